/**
 * The tools a generated plugin package builds and tests with: the versions DeployDB itself is
 * built and tested with, so that what passes here passes there.
 */
export const TOOL_VERSIONS = {
  typescript: '5.9.3',
  vitest: '4.1.12',
  '@types/node': '20.19.25',
} as const;
