export type { Route } from '../ledger/types';
