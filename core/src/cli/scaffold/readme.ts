import type { PluginNames } from './names.js';
import type { GeneratedFile } from './packageFiles.js';

/** What each kind's README says it does and how it is configured. */
const ABOUT = {
  promotion: (n: PluginNames) => ({
    does: `provides the promotion type \`${n.name}\`: a deployment passes once the UTC time of day reaches \`opensAt\`; until then its result waits, saying until when.`,
    yaml: `plugins:\n  - package: "${n.packageName}"\npromotions:\n  ${n.kebab}:\n    type: ${n.name}\n    opensAt: "08:00"        # UTC, default "00:00"`,
  }),
  subscriber: (n: PluginNames) => ({
    does: 'logs every deployment that completes or fails (in the environments listed, or all), one line each.',
    yaml: `plugins:\n  - package: "${n.packageName}"\n    config:\n      environments: [prod]   # default: all`,
  }),
  source: (n: PluginNames) => ({
    does: 'registers the artifacts listed in its config when DeployDB starts (each once: one already registered is skipped).',
    yaml: `plugins:\n  - package: "${n.packageName}"\n    config:\n      artifacts:\n        - { group: com.acme, name: web, version: 1.0.0, sourceUrl: "https://ci.acme.example/web/1.0.0" }`,
  }),
};

export function readme(names: PluginNames): GeneratedFile {
  const about = ABOUT[names.kind](names);
  return {
    path: 'README.md',
    text: `# ${names.packageName}

A DeployDB ${names.kind} plugin that ${about.does}

## Configuration

\`\`\`yaml
${about.yaml}
\`\`\`

## Developing

\`\`\`sh
npm install      # @deploydb/core comes from the file named in package.json (it is not on npm)
npm run build    # dist/
npm run typecheck
npm test         # the plugin's tests, one of them in a real DeployDB kernel
\`\`\`

Writing plugins: DeployDB's \`docs/plugins.md\`.
`,
  };
}
