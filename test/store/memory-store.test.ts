import { MemoryEventStore } from '../../infrastructure/store/memory/memory-store.js';
import { eventStoreContract, inProcessDeliveryContract } from './contract.js';

const open = async () => new MemoryEventStore();

eventStoreContract('MemoryEventStore', open);
inProcessDeliveryContract('MemoryEventStore', open);
