import { viewOfFixture } from '../helpers/expected.js';
import { startFixtureUpstream } from '../helpers/fixture-upstream.js';
import { startTestGateway } from '../helpers/gateway.js';
import { contractSuite } from './contract-suite.js';

contractSuite('an independent fixture upstream (shuffled batches, path prefixes)', async () => {
  const upstream = await startFixtureUpstream();
  const gateway = await startTestGateway({ upstreams: upstream.urls });
  return {
    gateway,
    view: viewOfFixture(upstream.data),
    userId: 'fx-alice',
    apiKey: 'demo-public-key-free',
    apiKeyTier: 'free',
    idOrder: 'lexicographic',
    close: async () => {
      await gateway.close();
      await upstream.close();
    },
  };
});
