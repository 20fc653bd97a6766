import { allPages, api, unwrap } from '../api/client';
import type { Flow, PromotionStatus } from '../api/types';
import { loadConfiguration, type Configuration } from '../data';
import { promotionsFor } from '../pipelineOrder';
import { href } from '../router';
import { Empty, ErrorNotice, Loading } from '../ui/Notice';
import { Page, Section } from '../ui/Page';
import { DeploymentMark, FlowMark, NotReachedMark, PromotionMark } from '../ui/StatusMark';
import { Ago } from '../ui/Time';
import { useQuery } from '../useQuery';
import { ArtifactFacts } from './ArtifactFacts';

async function loadArtifact(id: number) {
  const [artifact, flows, config] = await Promise.all([
    unwrap(api.GET('/api/artifacts/{id}', { params: { path: { id } } })),
    allPages((cursor) => unwrap(api.GET('/api/flows', { params: { query: { artifact: id, limit: 500, cursor } } }))),
    loadConfiguration(),
  ]);
  return { artifact, flows: flows.items, config };
}

/** The developer's view: one version across every environment of its flows. */
export function ArtifactPage({ id }: { id: number }) {
  const page = useQuery(() => loadArtifact(id), [id]);
  const data = page.data;
  if (!data) return <Page title={`Artifact ${id}`}>{page.error ? <ErrorNotice error={page.error} what={`artifact ${id}`} /> : <Loading what="the artifact" />}</Page>;
  const { artifact, flows, config } = data;
  return (
    <Page kicker={<>Artifact · {artifact.group}</>} title={`${artifact.name} ${artifact.version}`}>
      {page.error ? <ErrorNotice error={page.error} what="the latest state" /> : null}
      <ArtifactFacts artifact={artifact} link={false} />
      <Section title="Flows">
        {flows.length === 0 ? <Empty>No flow carries this artifact.</Empty> : flows.map((flow) => <FlowJourney key={flow.id} flow={flow} config={config} />)}
      </Section>
    </Page>
  );
}

/** A flow as a row of its pipeline's environments, each with its deployment and promotions. */
export function FlowJourney({ flow, config }: { flow: Flow; config: Configuration }) {
  const pipeline = config.pipelines.find((p) => p.key === flow.pipeline);
  const service = config.services.find((s) => s.key === flow.service);
  const stages = pipeline?.environments.map((e) => e.name) ?? flow.deployments.map((d) => d.environment);
  return (
    <article class="card journey" aria-labelledby={`flow-${flow.id}`}>
      <header class="journey-head">
        <h3 id={`flow-${flow.id}`}>
          <a href={href('service', flow.service)}>{service?.name ?? flow.service}</a> <span class="muted">· {flow.pipeline} · flow {flow.id}</span>
        </h3>
        <FlowMark status={flow.status} />
      </header>
      <ol class="stages">
        {stages.map((environment) => {
          const deployment = flow.deployments.filter((d) => d.environment === environment).at(-1);
          return (
            <li key={environment} class={`stage${deployment ? '' : ' stage-ahead'}`}>
              <h4>{environment}</h4>
              {deployment ? (
                <a href={href('deployment', deployment.id)} class="stage-status">
                  <DeploymentMark deployment={deployment} /> <Ago iso={deployment.statusAt} />
                </a>
              ) : (
                <NotReachedMark />
              )}
              <ul class="plain stage-promotions">
                {(deployment ? deployment.promotions.map((p) => [p.promotion, p.status] as const) : promotionsFor(service, pipeline, environment).map((p) => [p, null] as const)).map(
                  ([name, status]: readonly [string, PromotionStatus | null]) => (
                    <li key={name}>
                      <span class="stage-promotion-name">{name}</span> <PromotionMark status={status ?? 'NOT_STARTED'} />
                    </li>
                  ),
                )}
              </ul>
            </li>
          );
        })}
      </ol>
    </article>
  );
}
