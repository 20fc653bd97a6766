import type { MigrationObject } from '@mikro-orm/core';
import { M001Ledger } from './m001_ledger.js';

/** Every migration, in order. Listed in code so the built package needs no migration files on disk. */
export const migrationsList: MigrationObject[] = [{ name: 'm001_ledger', class: M001Ledger }];
