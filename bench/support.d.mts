// Types of support.mjs, for the tests that start the benchmark's servers.

/** A fresh database on the test PostgreSQL server; `drop()` removes it. */
export declare function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
/** Starts a server script of bench/servers in its own process. */
export declare function startServer(script: string, env: Record<string, string>): Promise<{ url: string; pid: number; stop(): Promise<void> }>;
