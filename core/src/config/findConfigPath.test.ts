import { describe, expect, it } from 'vitest';
import { findConfigPath } from './findConfigPath.js';

describe('findConfigPath', () => {
  it('takes --config first, relative to the working folder', () => {
    expect(findConfigPath({ flag: 'conf/d.yaml', env: { DEPLOYDB_CONFIG: '/etc/other.yaml' }, cwd: '/srv/app' })).toBe('/srv/app/conf/d.yaml');
  });

  it('takes $DEPLOYDB_CONFIG without a flag', () => {
    expect(findConfigPath({ env: { DEPLOYDB_CONFIG: '/etc/deploydb/main.yaml' }, cwd: '/srv/app' })).toBe('/etc/deploydb/main.yaml');
    expect(findConfigPath({ env: { DEPLOYDB_CONFIG: 'x.yaml' }, cwd: '/srv/app' })).toBe('/srv/app/x.yaml');
  });

  it('falls back to deploydb.yaml in the working folder', () => {
    expect(findConfigPath({ env: {}, cwd: '/srv/app' })).toBe('/srv/app/deploydb.yaml');
  });

  it('ignores an empty flag or variable', () => {
    expect(findConfigPath({ flag: '', env: { DEPLOYDB_CONFIG: ' ' }, cwd: '/srv/app' })).toBe('/srv/app/deploydb.yaml');
  });
});
