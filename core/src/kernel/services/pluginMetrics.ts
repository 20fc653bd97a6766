import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PluginMetrics } from '../../plugin-api/coreServices.js';

/** The prefix of a plugin's metric names: `deploydb_plugin_` and its id, in the characters Prometheus allows. */
export function metricPrefixOf(pluginId: string): string {
  return `deploydb_plugin_${pluginId.replace(/^@/, '').replace(/[^a-zA-Z0-9_]/g, '_')}_`;
}

/** A plugin's metrics (`coreServices.metrics`), on the kernel's registry, every name prefixed. */
export function pluginMetrics(pluginId: string, registry: Registry): PluginMetrics {
  const prefix = metricPrefixOf(pluginId);
  const named = <T extends { name: string }>(config: T) => ({ ...config, name: `${prefix}${config.name}`, registers: [registry] });
  return {
    prefix,
    counter: (config) => new Counter(named(config)),
    gauge: (config) => new Gauge(named(config)),
    histogram: (config) => new Histogram(named(config)),
  };
}
