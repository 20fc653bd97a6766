/** The kinds of plugin `deploydb new` writes. */
export const SCAFFOLD_KINDS = ['promotion', 'subscriber', 'source'] as const;
export type ScaffoldKind = (typeof SCAFFOLD_KINDS)[number];

/** The names a new plugin is known by, all made from the one given on the command line. */
export interface PluginNames {
  kind: ScaffoldKind;
  /** As given, e.g. `ChangeWindow`: a promotion's `type`, and the name in prose. */
  name: string;
  /** `change-window`. */
  kebab: string;
  /** The npm package and the plugin's id: `deploydb-promotion-change-window`. */
  packageName: string;
}

/** A name starts with a letter and holds letters and digits (`ChangeWindow`, `chatOps2`). */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9]*$/;

export function pluginNames(kind: ScaffoldKind, name: string): PluginNames {
  const kebab = name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
  return { kind, name, kebab, packageName: `deploydb-${kind}-${kebab}` };
}
