// A real shammie-collector for browser tests: temp data dir, free ports,
// the operator token it writes on first start, and its gRPC API
// (shammie.v1.ComparisonService, from proto/ via grpc-js) for what a test sets
// up or checks: CreateToken, ExportComparisons.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const SOURCE = process.env.SHAMMIE_SOURCE_DIR || path.resolve(__dirname, '..', '..');
const BIN = process.env.SHAMMIE_BIN_DIR || path.join(SOURCE, 'build', 'bin');

// The ComparisonService client class, from the same .proto files the
// collector is built from.
function comparisonService() {
  const def = protoLoader.loadSync('shammie/v1/collector.proto', {
    includeDirs: [path.join(SOURCE, 'proto')],
    keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
  });
  return grpc.loadPackageDefinition(def).shammie.v1.ComparisonService;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class Collector {
  // `extraArgs` are appended to the command line (e.g. ['--artifact-dir', dir]).
  // `dataDir` reuses an existing data dir (kept on stop) instead of a fresh one.
  static async start(extraArgs = [], { dataDir } = {}) {
    const c = new Collector();
    c.ownsDataDir = !dataDir;
    c.dataDir = dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'shammie-e2e-'));
    c.grpcPort = await freePort();
    c.httpPort = await freePort();
    c.url = `http://127.0.0.1:${c.httpPort}`;
    c.grpcAddr = `127.0.0.1:${c.grpcPort}`;
    c.log = '';
    c.proc = spawn(path.join(BIN, 'shammie-collector'), [
      '--data-dir', c.dataDir,
      '--listen', c.grpcAddr,
      '--http-listen', `127.0.0.1:${c.httpPort}`,
      ...extraArgs,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    c.proc.stdout.on('data', (d) => { c.log += d; });
    c.proc.stderr.on('data', (d) => { c.log += d; });
    c.exited = new Promise((r) => c.proc.on('exit', r));
    await c.waitReady();
    c.operatorToken = fs.readFileSync(path.join(c.dataDir, 'operator.token'), 'utf8').trim();
    return c;
  }

  async waitReady() {
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) {
        throw new Error(`shammie-collector exited ${this.proc.exitCode}:\n${this.log}`);
      }
      try {
        const res = await fetch(`${this.url}/`);
        if (res.ok && fs.existsSync(path.join(this.dataDir, 'operator.token'))) return;
      } catch { /* not listening yet */ }
      await sleep(100);
    }
    throw new Error(`shammie-collector did not start:\n${this.log}`);
  }

  client() {
    if (!this.grpcClient) {
      const Service = comparisonService();
      this.grpcClient = new Service(this.grpcAddr, grpc.credentials.createInsecure());
    }
    return this.grpcClient;
  }

  metadata() {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${this.operatorToken}`);
    return md;
  }

  // A new labeler token's secret (CreateToken as the operator).
  createLabeler(name) {
    return new Promise((resolve, reject) => {
      this.client().CreateToken({ name, role: 'LABELER' }, this.metadata(), (err, token) => {
        if (err) reject(err); else resolve(token.secret);
      });
    });
  }

  // Every stored comparison, in seq order (ExportComparisons as the operator).
  exportComparisons() {
    return new Promise((resolve, reject) => {
      const out = [];
      const call = this.client().ExportComparisons({}, this.metadata());
      call.on('data', (c) => out.push(c));
      call.on('error', reject);
      call.on('end', () => resolve(out));
    });
  }

  // A task through the JSON API as the operator; returns the LabelingTask.
  async createTask(prompt, a, b) {
    const res = await fetch(`${this.url}/api/v1/tasks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.operatorToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        context: { turns: [{ role: 'HUMAN', text: prompt }] },
        candidates: [a, b],
      }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`create task: ${res.status} ${JSON.stringify(body)}`);
    return body;
  }

  async stop() {
    if (this.grpcClient) this.grpcClient.close();
    if (this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
      await this.exited;
      clearTimeout(timer);
    }
    if (this.ownsDataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

// Headless Debian chromium (no browser download), as every page test runs it.
function launchBrowser() {
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: process.env.SHAMMIE_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

module.exports = { Collector, freePort, sleep, launchBrowser };
