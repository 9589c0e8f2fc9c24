// The machine the bench runs on, and what /proc says about processes during a
// phase: CPU time of the server child, of the PostgreSQL processes, of the
// bench itself, and of the whole machine, so every figure can be read beside
// how busy the two cores were.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  kernel: string;
}

export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpuModel = m[1].trim();
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    cores: os.availableParallelism(),
    cpuModel,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: os.release(),
  };
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, or null if it is gone. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * CPU seconds (user + system) of this process's children that have exited and
 * been reaped (cutime + cstime of /proc/self/stat): a child's whole CPU, read
 * after its exit, where /proc/<pid> is already gone.
 */
export function reapedChildrenCpuSeconds(): number {
  try {
    return childrenCpuSecondsOf(readFileSync('/proc/self/stat', 'utf8'));
  } catch {
    return Number.NaN;
  }
}

/** cutime + cstime of a /proc/<pid>/stat line, in seconds: its reaped children's CPU. */
export function childrenCpuSecondsOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

/** CPU seconds used so far by every process named `postgres` (the server and its backends). */
export function postgresCpuSeconds(): number {
  let total = 0;
  let names: string[] = [];
  try {
    names = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const comm = readFileSync(`/proc/${name}/comm`, 'utf8').trim();
      if (comm !== 'postgres') continue;
    } catch {
      continue;
    }
    total += processCpuSeconds(Number(name)) ?? 0;
  }
  return total;
}

/** Busy and total CPU seconds of the whole machine so far (all cores). */
function machineCpuSeconds(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** Peak resident set size (VmHWM) of a process, in MiB, or null if it is gone. */
export function peakRssMiB(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** CPU used during one phase, in cores (1.0 = one core busy for the whole phase). */
export interface CpuUse {
  seconds: number;
  /** The kura (or bare) server child. */
  server: number;
  /** The server child's CPU seconds (user + system) over the phase, not divided by its length. */
  serverCpuSeconds?: number;
  /** PostgreSQL's processes (0 on PGlite, which runs inside the server child). */
  postgres: number;
  /** This bench process (load generators, autocannon), and wrk when it read. */
  bench: number;
  /** Of `bench`, wrk's (a process of its own), when it generated the reads. */
  wrk?: number;
  /** The whole machine, out of `cores`. */
  machine: number;
  /** Everything else on the machine (other users' processes): machine - server - postgres - bench. */
  others: number;
  /** TCP connections dropped because a listen queue was full (machine-wide TcpExt ListenOverflows). */
  listenOverflows: number;
}

/** The machine-wide count of connections dropped on a full listen queue. */
export function listenOverflows(): number {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const names = (lines[i] as string).split(/\s+/);
      const values = (lines[i + 1] as string).split(/\s+/);
      const at = names.indexOf('ListenOverflows');
      if (names[0] === 'TcpExt:' && at > 0) return Number(values[at]);
    }
  } catch {
    // not Linux
  }
  return 0;
}

export class CpuMeter {
  private readonly t0 = performance.now();
  private readonly server0: number;
  private readonly pg0: number;
  private readonly bench0 = process.cpuUsage();
  private readonly machine0 = machineCpuSeconds();
  private readonly overflows0 = listenOverflows();

  constructor(
    private readonly serverPid: number | null,
    private readonly watchPostgres: boolean,
  ) {
    this.server0 = serverPid === null ? 0 : (processCpuSeconds(serverPid) ?? 0);
    this.pg0 = watchPostgres ? postgresCpuSeconds() : 0;
  }

  stop(): CpuUse {
    const seconds = (performance.now() - this.t0) / 1000;
    const server =
      this.serverPid === null
        ? 0
        : (processCpuSeconds(this.serverPid) ?? this.server0) - this.server0;
    const pg = this.watchPostgres ? postgresCpuSeconds() - this.pg0 : 0;
    const b = process.cpuUsage(this.bench0);
    const m = machineCpuSeconds();
    const per = (x: number) => (seconds > 0 ? Math.round((x / seconds) * 100) / 100 : 0);
    const bench = (b.user + b.system) / 1e6;
    const machine = m.busy - this.machine0.busy;
    return {
      seconds: Math.round(seconds * 10) / 10,
      server: per(server),
      serverCpuSeconds: Math.round(server * 100) / 100,
      postgres: per(pg),
      bench: per(bench),
      machine: per(machine),
      others: per(Math.max(0, machine - server - pg - bench)),
      listenOverflows: listenOverflows() - this.overflows0,
    };
  }
}

/** How busy the machine is without us: cores used over `ms` by everything (the bench being idle). */
export async function backgroundLoad(ms = 1000): Promise<{ cores: number; loadavg1: number }> {
  const m0 = machineCpuSeconds();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const m1 = machineCpuSeconds();
  const seconds = (performance.now() - t0) / 1000;
  return {
    cores: Math.round(((m1.busy - m0.busy) / seconds) * 100) / 100,
    loadavg1: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}
