import { viewOfDemo } from '../helpers/expected.js';
import { startTestGateway } from '../helpers/gateway.js';
import { contractSuite } from './contract-suite.js';

contractSuite('the embedded demo services', async () => {
  const gateway = await startTestGateway();
  return {
    gateway,
    view: viewOfDemo(gateway.demo!.data),
    userId: 'u1',
    apiKey: 'demo-public-key-pro',
    apiKeyTier: 'pro',
    idOrder: 'natural',
    close: () => gateway.close(),
  };
});
