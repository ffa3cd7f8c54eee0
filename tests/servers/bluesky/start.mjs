#!/usr/bin/env node
// Start a real Bluesky PDS (and, with --appview, the whole dev network with an AppView)
// from @atproto/dev-env, create test accounts, print ONE JSON line when ready, and stay up
// until SIGTERM / SIGINT (or, with --watch-stdin, until standard input closes).
//
// Usage:
//   node start.mjs [--port N] [--plc-port N] [--appview] [--accounts brand,fan]
//                  [--scratch DIR] [--watch-stdin]
//
// Environment:
//   SOCIALOPS_PDS_PORT       PDS port when --port is not given (default: a free port)
//   SOCIALOPS_PDS_PASSWORD   password of every created account (default: "socialops-test-pass")
//   SOCIALOPS_PDS_SCRATCH    scratch folder when --scratch is not given (default: a new temp folder,
//                            removed on exit). TMPDIR is pointed at it: the PDS keeps its SQLite
//                            files and blobs in the temp folder.
//   With --appview:  DB_POSTGRES_URL (postgresql://user@127.0.0.1:PORT/db), REDIS_HOST (host:port),
//                    SOCIALOPS_PDS_SCHEMA (letters and underscores; default "socialops").
//
// The ready line looks like:
//   {"socialops_bluesky":"ready","pds_url":"http://localhost:PORT","plc_url":...,"appview_url":null,
//    "accounts":{"brand":{"handle":"brand.test","did":"did:plc:...","password":"...","email":...}},
//    "startup_seconds":2.6}
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const started = process.hrtime.bigint();
let scratchToRemove = null;

function parseArgs(argv) {
  const opts = { appview: false, watchStdin: false, accounts: ['brand', 'fan'] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--port') opts.port = Number(next());
    else if (arg === '--plc-port') opts.plcPort = Number(next());
    else if (arg === '--appview') opts.appview = true;
    else if (arg === '--watch-stdin') opts.watchStdin = true;
    else if (arg === '--scratch') opts.scratch = next();
    else if (arg === '--accounts') opts.accounts = next().split(',').map((s) => s.trim()).filter(Boolean);
    else throw new Error(`unknown argument: ${arg}`);
  }
  if (opts.port === undefined && process.env.SOCIALOPS_PDS_PORT) {
    opts.port = Number(process.env.SOCIALOPS_PDS_PORT);
  }
  for (const [name, value] of [['--port', opts.port], ['--plc-port', opts.plcPort]]) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0 && value < 65536)) {
      throw new Error(`${name} must be a port number, got ${value}`);
    }
  }
  for (const name of opts.accounts) {
    if (!/^[a-z][a-z0-9-]{2,17}$/.test(name)) {
      throw new Error(`account name ${JSON.stringify(name)} must be 3-18 lowercase letters, digits or dashes`);
    }
  }
  return opts;
}

function log(msg) {
  process.stderr.write(`[bluesky start.mjs] ${msg}\n`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const password = process.env.SOCIALOPS_PDS_PASSWORD || 'socialops-test-pass';

  let scratch = opts.scratch || process.env.SOCIALOPS_PDS_SCRATCH;
  let removeScratch = false;
  if (!scratch) {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'socialops-pds-'));
    removeScratch = true;
    scratchToRemove = scratch;
  }
  fs.mkdirSync(scratch, { recursive: true });
  // Must be set before @atproto/dev-env is imported: it reads the temp dir at import time.
  process.env.TMPDIR = scratch;

  if (opts.appview) {
    if (!process.env.DB_POSTGRES_URL) throw new Error('--appview needs DB_POSTGRES_URL');
    if (!process.env.REDIS_HOST) throw new Error('--appview needs REDIS_HOST');
  }
  const schema = process.env.SOCIALOPS_PDS_SCHEMA || 'socialops';
  if (!/^[A-Za-z_]+$/.test(schema)) {
    throw new Error(`SOCIALOPS_PDS_SCHEMA may contain letters and underscores only, got ${schema}`);
  }

  const { TestNetwork, TestNetworkNoAppView } = await import('@atproto/dev-env');

  const pdsParams = { hostname: 'localhost' };
  if (opts.port) pdsParams.port = opts.port;
  const plcParams = opts.plcPort ? { port: opts.plcPort } : {};

  let net;
  if (opts.appview) {
    net = await TestNetwork.create({
      dbPostgresSchema: schema,
      pds: pdsParams,
      plc: plcParams,
    });
  } else {
    net = await TestNetworkNoAppView.create({ pds: pdsParams, plc: plcParams });
  }

  let closing = false;
  let processing = null;
  let timer = null;
  const shutdown = async (reason) => {
    if (closing) return;
    closing = true;
    log(`shutting down (${reason})`);
    if (timer) clearInterval(timer);
    try {
      if (processing) await processing.catch(() => {});
      // A graceful close waits up to ~5 s for idle keep-alive sockets; the data is
      // throwaway, so give it 2 s at most.
      await Promise.race([net.close(), new Promise((resolve) => setTimeout(resolve, 2000))]);
    } catch (err) {
      log(`error while closing: ${err?.stack || err}`);
    }
    if (removeScratch) fs.rmSync(scratch, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  if (opts.watchStdin) {
    process.stdin.on('end', () => void shutdown('stdin closed'));
    process.stdin.on('error', () => void shutdown('stdin error'));
    process.stdin.resume();
  }

  // dev-env 0.3.x: getClient() is an AtpAgent; 0.6.x renamed it getAgent().
  const agent = typeof net.pds.getAgent === 'function' ? net.pds.getAgent() : net.pds.getClient();
  const accounts = {};
  for (const name of opts.accounts) {
    const handle = `${name}.test`;
    const email = `${name}@example.com`;
    const { data } = await agent.com.atproto.server.createAccount({ email, handle, password });
    accounts[name] = { handle: data.handle, did: data.did, password, email };
  }
  await net.processAll();

  if (opts.appview) {
    // The AppView indexes what the PDS emits only when asked to: keep it current.
    timer = setInterval(() => {
      if (processing || closing) return;
      processing = net
        .processAll()
        .catch((err) => log(`processAll failed: ${err?.message || err}`))
        .finally(() => {
          processing = null;
        });
    }, 200);
  }

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const ready = {
    socialops_bluesky: 'ready',
    pds_url: net.pds.url,
    pds_port: net.pds.port,
    plc_url: net.plc.url,
    appview_url: opts.appview ? net.bsky.url : null,
    appview_did: opts.appview ? net.bsky.ctx.cfg.serverDid : null,
    accounts,
    scratch,
    startup_seconds: Math.round(seconds * 100) / 100,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

main().catch((err) => {
  log(`failed to start: ${err?.stack || err}`);
  if (scratchToRemove) fs.rmSync(scratchToRemove, { recursive: true, force: true });
  process.exit(1);
});
