// Starts GraphiQL on the playground page. Served as a file (the page's CSP
// allows no inline script); its settings come from the page's JSON block.
(function start() {
  'use strict';
  var config = JSON.parse(document.getElementById('playground-config').textContent);
  var GraphiQL = window.GraphiQL;

  // A browser that blocks site data (a privacy setting, an enterprise
  // policy) throws on reading localStorage: the page then keeps nothing.
  function localStorageUsable() {
    try {
      return window.localStorage !== null;
    } catch (blocked) {
      return false;
    }
  }

  // The three audiences share one origin, so each gets its own storage
  // namespace: mobile's history and tabs never show up on the public page.
  var local = localStorageUsable() ? GraphiQL.createLocalStorage({ namespace: 'bff-gateway:' + config.audience }) : null;

  // Headers never reach storage: a token or an API key must not outlive the
  // page. `shouldPersistHeaders: false` keeps them out of the tabs, but
  // GraphiQL 3.8 still writes each run's headers into its history and
  // favourites (and would bring them back with a click on an old query), so
  // every value is cleaned on its way in.
  var LISTS = ['queries', 'favorites', 'tabs'];
  function withoutHeaders(value) {
    var parsed;
    try {
      parsed = JSON.parse(value);
    } catch (notJson) {
      return value;
    }
    if (!parsed || typeof parsed !== 'object') return value;
    var changed = false;
    LISTS.forEach(function (list) {
      if (!Array.isArray(parsed[list])) return;
      parsed[list].forEach(function (item) {
        if (item && typeof item === 'object' && 'headers' in item) {
          delete item.headers;
          changed = true;
        }
      });
    });
    return changed ? JSON.stringify(parsed) : value;
  }
  // What an earlier version of the page left behind is cleaned too.
  if (local) {
    ['graphiql:queries', 'graphiql:favorites', 'graphiql:tabState'].forEach(function (key) {
      var value = local.getItem(key);
      if (value) local.setItem(key, withoutHeaders(value));
    });
  }
  // null: GraphiQL keeps tabs and history in memory only.
  var storage = local && {
    getItem: function (key) {
      return local.getItem(key);
    },
    setItem: function (key, value) {
      // GraphiQL's own key for the headers editor, written only when headers are persisted.
      if (/(^|:)headers$/.test(key)) return;
      local.setItem(key, withoutHeaders(value));
    },
    removeItem: function (key) {
      local.removeItem(key);
    },
    clear: function () {
      local.clear();
    },
    get length() {
      return local.length;
    },
  };

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
    defaultHeaders: config.headers,
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: config.headers ? 'headers' : 'variables',
    isHeadersEditorEnabled: true,
  };

  var logo = React.createElement(GraphiQL.Logo, null, 'bff-gateway · ' + config.audience);
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props, logo));
})();
