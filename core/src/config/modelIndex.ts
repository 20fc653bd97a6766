import type { EnvironmentConfig, FlowModel, PipelineConfig, PromotionConfig, ServiceConfig } from './model.js';

/** Lookups over a flow model, built once per model. */
export class ModelIndex {
  readonly environments: ReadonlyMap<string, EnvironmentConfig>;
  readonly promotions: ReadonlyMap<string, PromotionConfig>;
  readonly pipelines: ReadonlyMap<string, PipelineConfig>;
  readonly services: ReadonlyMap<string, ServiceConfig>;
  private readonly servicesByModule = new Map<string, ServiceConfig[]>();

  constructor(readonly model: FlowModel) {
    this.environments = new Map(model.environments.map((e) => [e.key, e]));
    this.promotions = new Map(model.promotions.map((p) => [p.key, p]));
    this.pipelines = new Map(model.pipelines.map((p) => [p.key, p]));
    this.services = new Map(model.services.map((s) => [s.key, s]));
    for (const service of model.services) {
      for (const module of service.artifacts) {
        const list = this.servicesByModule.get(module) ?? [];
        list.push(service);
        this.servicesByModule.set(module, list);
      }
    }
  }

  /** Services listing the module `group:name`, in file order. */
  servicesFor(group: string, name: string): readonly ServiceConfig[] {
    return this.servicesByModule.get(`${group}:${name}`) ?? [];
  }

  /**
   * The promotions a deployment in stage `stage` of the pipeline must pass: the stage's own,
   * then the service's, without repeats.
   */
  promotionsFor(service: ServiceConfig, pipeline: PipelineConfig, stage: number): PromotionConfig[] {
    const keys = new Set([...(pipeline.environments[stage]?.promotions ?? []), ...service.promotions]);
    return [...keys].map((key) => this.promotions.get(key)).filter((p): p is PromotionConfig => p !== undefined);
  }

  /** The environments of a service's pipelines, in pipeline order, each once. */
  environmentsOf(service: ServiceConfig): string[] {
    return [...new Set(service.pipelines.flatMap((p) => this.pipelines.get(p)?.environments.map((stage) => stage.name) ?? []))];
  }

  /** The services whose pipelines pass through an environment, in file order. */
  servicesIn(environment: string): ServiceConfig[] {
    return this.model.services.filter((s) =>
      s.pipelines.some((p) => this.pipelines.get(p)?.environments.some((stage) => stage.name === environment)),
    );
  }
}
