/** The client commands: thin wrappers over the HTTP API for scripts and people. */

interface ClientOptions {
  url?: string;
  token?: string;
  group?: string;
  name?: string;
  version?: string;
  'source-url'?: string;
  reason?: string;
  promotion?: string;
  reject?: boolean;
}

/** Runs a client command; null when the command is unknown. */
export async function runClientCommand(command: string, args: string[], options: ClientOptions): Promise<number | null> {
  const call = client(options);
  switch (`${command} ${args[0] ?? ''}`.trim()) {
    case 'artifact register': {
      const { group, name, version } = options;
      const sourceUrl = options['source-url'];
      if (!group || !name || !version || !sourceUrl) return usage('artifact register --group G --name N --version V --source-url U');
      return call('POST', '/api/artifacts', { group, name, version, sourceUrl });
    }
    case `deployment report`: {
      const [, id, status] = args;
      if (!id || !status) return usage('deployment report <deploymentId> <STARTED|COMPLETED|FAILED> [--reason R]');
      return call('PATCH', `/api/deployments/${encodeURIComponent(id)}`, { status: status.toUpperCase(), ...(options.reason ? { reason: options.reason } : {}) });
    }
  }
  if (command === 'approve') {
    const [id] = args;
    if (!id) return usage('approve <deploymentId> [--promotion NAME] [--reject --reason R]');
    const body = { name: options.promotion ?? 'manual', status: options.reject ? 'FAILED' : 'SUCCESS', ...(options.reason ? { reason: options.reason } : {}) };
    return call('POST', `/api/deployments/${encodeURIComponent(id)}/promotions`, body);
  }
  if (command === 'status') {
    const [service] = args;
    return call('GET', service ? `/api/services/${encodeURIComponent(service)}/environments` : '/api/services');
  }
  return null;
}

function usage(text: string): number {
  process.stderr.write(`usage: deploydb ${text}\n`);
  return 2;
}

function client(options: ClientOptions) {
  const base = (options.url ?? process.env.DEPLOYDB_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const token = options.token ?? process.env.DEPLOYDB_TOKEN;
  return async (method: string, path: string, body?: unknown): Promise<number> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    const out = response.ok ? process.stdout : process.stderr;
    try {
      out.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    } catch {
      out.write(`${text}\n`);
    }
    return response.ok ? 0 : 1;
  };
}
