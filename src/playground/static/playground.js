// Starts GraphiQL on the playground page. Served as a file (the page's CSP
// allows no inline script); its settings come from the page's JSON block.
(function start() {
  'use strict';
  var config = JSON.parse(document.getElementById('playground-config').textContent);
  var GraphiQL = window.GraphiQL;

  // The three audiences share one origin, so each gets its own storage
  // namespace: mobile's history and tabs never show up on the public page.
  var storage = GraphiQL.createLocalStorage({ namespace: 'bff-gateway:' + config.audience });

  var props = {
    // A POST with `content-type: application/json`, which Apollo's CSRF prevention accepts.
    fetcher: GraphiQL.createFetcher({ url: config.endpoint }),
    storage: storage,
    // The example opens on every visit: GraphiQL selects the stored tab
    // holding it, or adds one; other stored tabs and the history stay.
    // (Its `defaultTabs` would drop the variables: GraphiQL 3.8 reads the
    // opening variables from this prop or storage only.)
    query: config.query,
    variables: config.variables,
    // Every tab opens with the audience's credential (development only).
    // Headers are never written to storage: a token must not outlive the page.
    defaultHeaders: config.headers,
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: config.headers ? 'headers' : 'variables',
    isHeadersEditorEnabled: true,
  };

  var logo = React.createElement(GraphiQL.Logo, null, 'bff-gateway · ' + config.audience);
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props, logo));
})();
