import type { EntityManager } from '@mikro-orm/postgresql';
import { DeployDbError } from '../../errors.js';

export interface DeploymentAddress {
  service: string;
  environment: string;
  artifact: { group: string; name: string; version: string };
}

/**
 * The id of the deployment a trigger addresses by name: the newest deployment of the service
 * in the environment for the artifact (a service with two pipelines through one environment
 * has one per flow; the newest is the one a deployer is working on). 404 when there is none.
 */
export async function findDeploymentId(em: EntityManager, address: DeploymentAddress): Promise<number> {
  const { service, environment, artifact } = address;
  const [row] = await em.execute<Array<{ id: number }>>(
    `select d.id from artifact a join deployment d on d.artifact_id = a.id
      where md5(a.artifact_group) = md5(?) and md5(a.name) = md5(?) and md5(a.version) = md5(?)
        and a.artifact_group = ? and a.name = ? and a.version = ? and d.service = ? and d.environment = ?
      order by d.created_at desc, d.id desc limit 1`,
    [artifact.group, artifact.name, artifact.version, artifact.group, artifact.name, artifact.version, service, environment],
  );
  if (!row) {
    throw new DeployDbError(
      'not_found',
      `no deployment of ${artifact.group}:${artifact.name}:${artifact.version} for service "${service}" in environment "${environment}"`,
    );
  }
  return Number(row.id);
}
