// One block of seeded history: a stretch of one service's releases (14 or 15 flows through the
// pipeline, with failures, a rollback and a redeploy by hand), played through the ledger's rules
// once in JavaScript with times relative to the block's start. The seed repeats the block, with
// ids and times offset, once per block in SQL (seed/plan.mjs).
import { STAGES } from './model.mjs';

/** Deployments in every block, whatever its variant: sizes are multiples of it. */
export const BLOCK_DEPLOYMENTS = 50;
/** Seconds between two flows of a block; every flow (and its aftermath) ends within it. */
export const FLOW_SECONDS = 480;
/** Flow slots in a block: 14 in a plain block, 15 in a service's last one. */
export const FLOW_SLOTS = 15;
export const BLOCK_SECONDS = FLOW_SLOTS * FLOW_SECONDS;

/**
 * How long after its creation a deployment is started and completed, and when its promotion (if
 * any) is decided, in seconds.
 */
const STARTS = 10;
const COMPLETES = 30;
const DECIDES = { 'qa-signoff': 70, 'release-approval': 90 };

/**
 * The ledger's state for one block, built by calling its commands in time order. Mirrors what
 * DeployDB stores for the same commands (rows, status times, promotion results, placement
 * changes); the seed test holds the outcome against DeployDB's own rules.
 */
class Block {
  constructor(variant) {
    this.variant = variant;
    this.artifacts = [];
    this.flows = [];
    this.deployments = [];
    this.results = [];
    this.changes = [];
    this.lanes = new Map(STAGES.map((s) => [s.environment, { current: OUTSIDE, inFlight: null, live: [], flying: [], recomputedAt: null }]));
    this.clock = 0;
  }

  tick(at) {
    if (at < this.clock) throw new Error(`block ${this.variant}: an event at ${at}s comes after one at ${this.clock}s`);
    this.clock = at;
  }

  /** Registers the artifact of flow slot `slot` and starts its flow (its first deployment). */
  register(slot, at) {
    this.tick(at);
    this.artifacts.push({ slot, createdAt: at, committedAt: at - 900 - 37 * slot });
    const flow = { slot, status: 'RUNNING', createdAt: at, updatedAt: at };
    this.flows.push(flow);
    this.deploy(flow, 0, at);
    return flow;
  }

  deploy(flow, stage, at) {
    const d = this.create({ flowSlot: flow.slot, artifactSlot: flow.slot, environment: STAGES[stage].environment, stage, kind: 'flow' }, at);
    for (const [position, promotion] of STAGES[stage].promotions.entries()) {
      this.results.push({ deployment: d, position, promotion, status: 'NOT_STARTED', reason: null, actor: null, rejection: null, attempts: 0, settledAt: null, createdAt: at, updatedAt: at });
    }
    return d;
  }

  create(fields, at) {
    this.tick(at);
    const d = {
      pos: this.deployments.length,
      ...fields,
      status: 'CREATED',
      history: ['CREATED'],
      reason: null,
      reasons: null,
      statusAt: at,
      startedAt: null,
      completedAt: null,
      verifiedAt: null,
      failedAt: null,
      createdAt: at,
      updatedAt: at,
    };
    this.deployments.push(d);
    const lane = this.lanes.get(d.environment);
    lane.flying.push(d);
    this.hold(d.environment, 'in_flight', d, at);
    return d;
  }

  /** A direct deployment (CONTRACT §11), recorded as CREATED or as already COMPLETED. */
  direct(environment, artifactSlot, kind, at, { status, reason }) {
    const d = this.create({ flowSlot: null, artifactSlot, environment, stage: null, kind }, at);
    this.setReason(d, reason);
    if (status === 'COMPLETED') this.report(d, 'COMPLETED', at);
    return d;
  }

  /** A reason reported with the status `d` just reached (its first: CREATED). */
  setReason(d, reason) {
    if (reason === null) return;
    d.reason = reason;
    d.reasons = { ...d.reasons, [d.status]: reason };
  }

  /** The deployer reports STARTED, COMPLETED or FAILED; a flow's deployment then moves its flow on. */
  report(d, status, at, reason = null) {
    this.setStatus(d, status, at, reason);
    if (status === 'FAILED') return this.finishFlow(d, 'FAILED', at);
    if (status !== 'COMPLETED' || d.flowSlot === null) return;
    const results = this.resultsOf(d);
    if (results.length === 0) return this.verify(d, at);
    for (const r of results) Object.assign(r, { status: 'STARTED', attempts: 1, updatedAt: at });
  }

  /** An approver decides a promotion of a COMPLETED deployment. */
  decide(d, promotion, status, at, actor, rejection = null) {
    this.tick(at);
    const r = this.resultsOf(d).find((x) => x.promotion === promotion);
    Object.assign(r, { status, actor, rejection, reason: rejection && `rejected by ${actor}: ${rejection}`, settledAt: at, updatedAt: at });
    if (status === 'FAILED') {
      this.setStatus(d, 'FAILED', at, `promotion ${promotion} failed: ${r.reason}`);
      this.finishFlow(d, 'FAILED', at);
    } else if (this.resultsOf(d).every((x) => x.status === 'SUCCESS')) {
      this.verify(d, at);
    }
  }

  verify(d, at) {
    this.setStatus(d, 'VERIFIED', at, null);
    if (d.stage + 1 < STAGES.length) this.deploy(this.flows.find((f) => f.slot === d.flowSlot), d.stage + 1, at);
    else this.finishFlow(d, 'SUCCESS', at);
  }

  finishFlow(d, status, at) {
    if (d.flowSlot === null) return;
    Object.assign(this.flows.find((f) => f.slot === d.flowSlot), { status, updatedAt: at });
  }

  resultsOf(d) {
    return this.results.filter((r) => r.deployment === d);
  }

  setStatus(d, status, at, reason) {
    this.tick(at);
    const from = d.status;
    Object.assign(d, { status, history: [...d.history, status], statusAt: at, updatedAt: at, [`${status.toLowerCase()}At`]: at });
    this.setReason(d, reason);
    const lane = this.lanes.get(d.environment);
    if ((from === 'CREATED' || from === 'STARTED') && (status === 'COMPLETED' || status === 'FAILED')) {
      lane.flying = lane.flying.filter((x) => x !== d);
      lane.recomputedAt = at;
      if (lane.inFlight === d) this.hold(d.environment, 'in_flight', newest(lane.flying, (x) => x.createdAt), at);
    }
    if (status === 'COMPLETED') {
      lane.live.push(d);
      this.hold(d.environment, 'current', d, at);
    }
    if (from === 'COMPLETED' && status === 'FAILED') {
      lane.live = lane.live.filter((x) => x !== d);
      if (lane.current === d) this.hold(d.environment, 'current', newest(lane.live, (x) => x.completedAt), at);
    }
  }

  /** The artifact slot current in `environment` before the current deployment's artifact. */
  previousArtifact(environment) {
    const held = this.changes.filter((c) => c.environment === environment && c.role === 'current' && c.deployment !== null);
    const now = held.at(-1).deployment.artifactSlot;
    const before = held.reverse().find((c) => c.deployment.artifactSlot !== now);
    if (!before) throw new Error(`block ${this.variant}: nothing to roll back to in ${environment}`);
    return before.deployment.artifactSlot;
  }

  currentArtifact(environment) {
    return this.lanes.get(environment).current.artifactSlot;
  }

  /**
   * `deployment` holds `role` there from `at` on: one change per role and time, none repeating
   * the one before (what DeployDB keeps in placement_change).
   */
  hold(environment, role, deployment, at) {
    // What would run after the last live deployment of the block failed is in an earlier block.
    if (role === 'current' && deployment === null) throw new Error(`block ${this.variant}: nothing of the block left current in ${environment}`);
    const lane = this.lanes.get(environment);
    const mine = (c) => c.environment === environment && c.role === role;
    const last = this.changes.findLast(mine);
    if (last && last.at === at) {
      this.changes.splice(this.changes.lastIndexOf(last), 1);
      const before = this.changes.findLast(mine);
      const held = before ? before.deployment : role === 'current' ? OUTSIDE : null;
      if (held !== deployment) this.changes.push({ environment, role, at, deployment });
    } else if ((role === 'current' ? lane.current : lane.inFlight) !== deployment) {
      this.changes.push({ environment, role, at, deployment });
    }
    if (role === 'current') lane.current = deployment;
    else lane.inFlight = deployment;
  }
}

/** What was current in a lane when the block began: a deployment of an earlier block. */
const OUTSIDE = Symbol('an earlier block');

function newest(list, time) {
  let best = null;
  for (const d of list) if (!best || time(d) > time(best) || (time(d) === time(best) && d.pos > best.pos)) best = d;
  return best;
}


/**
 * A flow through every stage, each started, completed and (with promotions) approved; with
 * `untilStage`, it stops once that stage's deployment is STARTED. Answers the last deployment and
 * when it was completed (or, stopped early, created).
 */
function released(block, slot, untilStage = null) {
  let at = slot * FLOW_SECONDS;
  block.register(slot, at);
  for (let stage = 0; ; stage++) {
    const d = block.deployments.at(-1);
    block.report(d, 'STARTED', at + STARTS);
    if (stage === untilStage) return { d, at };
    at += COMPLETES;
    block.report(d, 'COMPLETED', at);
    for (const promotion of STAGES[stage].promotions) {
      at += DECIDES[promotion];
      block.decide(d, promotion, 'SUCCESS', at, promotion === 'qa-signoff' ? 'qa-lead' : 'release-manager');
    }
    if (stage === STAGES.length - 1) return { d, at };
  }
}

const FLOWS = {
  released: (block, slot) => released(block, slot),
  failedInDev(block, slot) {
    const at = slot * FLOW_SECONDS;
    block.register(slot, at);
    const d = block.deployments.at(-1);
    block.report(d, 'STARTED', at + STARTS);
    block.report(d, 'FAILED', at + 25, 'deploy job failed: image not found');
  },
  rejectedInInteg(block, slot) {
    const { d, at } = released(block, slot, 1);
    block.report(d, 'COMPLETED', at + COMPLETES);
    block.decide(d, 'qa-signoff', 'FAILED', at + COMPLETES + DECIDES['qa-signoff'], 'qa-lead', 'smoke tests fail');
  },
  releasedThenRolledBack(block, slot) {
    const { at } = released(block, slot);
    const rollback = block.direct('prod', block.previousArtifact('prod'), 'rollback', at + 60, { status: 'CREATED', reason: 'error rate up after the release' });
    block.report(rollback, 'STARTED', at + 70);
    block.report(rollback, 'COMPLETED', at + 90);
  },
  failedInProdThenRedeployed(block, slot) {
    const { d, at } = released(block, slot, STAGES.length - 1);
    block.report(d, 'FAILED', at + 40, 'rollout stuck: pods crash on start');
    block.direct('prod', block.currentArtifact('prod'), 'manual', at + 80, { status: 'COMPLETED', reason: 'redeployed the running version by hand' });
  },
};

/** The flows of a plain block, in order: most go to prod, some fail on the way. */
const PLAIN = [
  'released',
  'released',
  'failedInDev',
  'released',
  'rejectedInInteg',
  'releasedThenRolledBack',
  'released',
  'failedInProdThenRedeployed',
  'released',
  'failedInDev',
  'rejectedInInteg',
  'releasedThenRolledBack',
  'released',
  'failedInProdThenRedeployed',
];

/** The variants: a plain block, and two endings for a service's last block with work in flight. */
function play(variant) {
  const block = new Block(variant);
  const plan = variant === 'plain' ? PLAIN : PLAIN.slice(0, 13);
  plan.forEach((flow, slot) => FLOWS[flow](block, slot));
  if (variant === 'inFlightProd') {
    // A release on its way into prod, and an artifact just registered.
    released(block, 13, STAGES.length - 1);
    block.register(14, 14 * FLOW_SECONDS);
  } else if (variant === 'awaitingApproval') {
    // A release waiting for its approval in preprod, and the next one being deployed in integ.
    const { d, at } = released(block, 13, 2);
    block.report(d, 'COMPLETED', at + COMPLETES);
    released(block, 14, 1);
  }
  if (block.deployments.length !== BLOCK_DEPLOYMENTS) throw new Error(`block ${variant} has ${block.deployments.length} deployments, not ${BLOCK_DEPLOYMENTS}`);
  // Blocks stand alone: each lane's current is a deployment of the block, and a plain block
  // (which a later one follows) leaves nothing in flight.
  for (const [environment, lane] of block.lanes) {
    if (lane.current === OUTSIDE) throw new Error(`block ${variant}: nothing became current in ${environment}`);
    if (variant === 'plain' && lane.inFlight !== null) throw new Error(`block ${variant}: a deployment is left in flight in ${environment}`);
  }
  return block;
}

export const VARIANTS = ['plain', 'inFlightProd', 'awaitingApproval'];

/** The variant of a service's last block, by the service's position: some end with work in flight. */
export const lastBlockVariant = (serviceIndex) => VARIANTS[[1, 2, 0][serviceIndex % 3]];

/**
 * Every variant played out, flattened into rows with offsets (seconds) relative to the block's
 * start and positions relative to the block's ids, as seed/plan.mjs expands them.
 */
export function releaseTrain() {
  const blocks = VARIANTS.map(play);
  const rows = (pick) => blocks.flatMap((block) => pick(block).map((row) => ({ variant: block.variant, ...row })));
  const resultStride = Math.max(...blocks.map((b) => b.results.length));
  const changeStride = Math.max(...blocks.map((b) => b.changes.length));
  return {
    artifactStride: FLOW_SLOTS,
    resultStride,
    changeStride,
    artifacts: rows((b) => b.artifacts),
    flows: rows((b) => b.flows),
    deployments: rows((b) => b.deployments.map((d) => ({ ...d, history: JSON.stringify(d.history) }))),
    results: rows((b) => b.results.map(({ deployment, ...r }, index) => ({ ...r, index, pos: deployment.pos }))),
    changes: rows((b) => b.changes.map(({ deployment, ...c }, index) => ({ ...c, index, pos: deployment === null ? null : deployment.pos }))),
    lanes: rows((b) =>
      [...b.lanes].map(([environment, lane]) => {
        const last = b.changes.filter((c) => c.environment === environment).at(-1);
        return {
          environment,
          currentPos: lane.current.pos,
          inFlightPos: lane.inFlight?.pos ?? null,
          inFlightCreatedAt: lane.inFlight?.createdAt ?? null,
          recomputedAt: lane.recomputedAt,
          changedAt: last.at,
        };
      }),
    ),
  };
}
