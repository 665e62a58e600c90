import { MemoryBudgetStore } from '../../src/cost/memory-store.js';
import { budgetStoreContract } from './budget-store-contract.js';

const store = new MemoryBudgetStore();
budgetStoreContract('in memory', () => store);
