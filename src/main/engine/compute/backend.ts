import { tfjs, tfjsNative, tfjsWasm } from './heavyModules';
import { BACKEND_NAMES, type BackendName, type BackendProbe } from '../../../shared/training';

/**
 * Picks the TF.js backend for this thread (the main thread and every worker thread each have their
 * own TF.js): the first that loads of tfjs-node-gpu (CUDA), tfjs-node (native CPU), wasm (SIMD) and
 * the plain JavaScript cpu backend. The native ones are optional packages whose install downloads
 * libtensorflow, so they are imported by name at run time and their absence is a reason, not an error.
 */

interface Candidate {
  name: BackendName;
  package: string;
  /** The name the package registers with TF.js. */
  tfName: string;
  install?: string;
}

export const CANDIDATES: readonly Candidate[] = [
  {
    name: 'tensorflow-gpu',
    package: '@tensorflow/tfjs-node-gpu',
    tfName: 'tensorflow',
    install: 'npm i @tensorflow/tfjs-node-gpu  (opt-in: needs an NVIDIA GPU with CUDA; its install downloads a large CUDA build of libtensorflow)',
  },
  {
    name: 'tensorflow',
    package: '@tensorflow/tfjs-node',
    tfName: 'tensorflow',
    install: 'npm i @tensorflow/tfjs-node  (opt-in: its install downloads libtensorflow, so it needs network access to its release host)',
  },
  { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', tfName: 'wasm', install: 'npm i @tensorflow/tfjs-backend-wasm' },
  { name: 'cpu', package: '@tensorflow/tfjs', tfName: 'cpu' },
];

export interface BackendSelection {
  active: BackendName;
  device: string;
  probes: BackendProbe[];
}

/** `LATHE_BACKEND=wasm` (or tensorflow, tensorflow-gpu, cpu); anything else is ignored with a reason. */
export function backendFromEnv(env: NodeJS.ProcessEnv = process.env): BackendName | null {
  const v = env.LATHE_BACKEND?.trim();
  if (!v) return null;
  return (BACKEND_NAMES as readonly string[]).includes(v) ? (v as BackendName) : null;
}

function reasonOf(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string }).code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(msg)) return 'not installed';
  return msg.split('\n')[0].slice(0, 300);
}

async function tryCandidate(c: Candidate): Promise<void> {
  if (c.name === 'tensorflow-gpu' || c.name === 'tensorflow') tfjsNative(c.package as '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu');
  else if (c.name === 'wasm') tfjsWasm();
  const tf = tfjs();
  if (!(await tf.setBackend(c.tfName))) throw new Error(`TF.js could not initialise the ${c.tfName} backend`);
  await tf.ready();
  // The cpu backend prints a "install tfjs-node" banner on first use; Lathe says that itself (compute.status, doctor).
  if (c.name === 'cpu') (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
}

async function deviceOf(name: BackendName): Promise<string> {
  if (name === 'tensorflow-gpu') return 'CUDA GPU (libtensorflow)';
  if (name === 'tensorflow') return 'CPU (libtensorflow)';
  if (name === 'cpu') return 'CPU (JavaScript)';
  const simd = await tfjs().env().getAsync('WASM_HAS_SIMD_SUPPORT').catch(() => false);
  const threads = await tfjs().env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT').catch(() => false);
  return `CPU (wasm${simd ? ', SIMD' : ''}${threads ? ', threads' : ''})`;
}

/**
 * The number of threads TF.js's wasm backend uses in this thread (call before the backend is first
 * selected). By default it starts one per core in every worker, so two jobs on a 2-core machine run
 * four spinning threads on two cores and parallel jobs end up slower than sequential ones.
 */
export async function setWasmThreads(n: number): Promise<void> {
  try {
    tfjsWasm().setThreadsCount(Math.max(1, Math.floor(n)));
  } catch {
    // wasm is not installed: nothing to configure
  }
}

let selected: Promise<BackendSelection> | null = null;
let selectedFor: BackendName | null | undefined;

/**
 * Selects (once per thread and pin) and initialises the backend. With a pin, that backend is tried
 * first; if it does not load, the reason is kept and the usual order follows, so training still runs
 * and the run records what it really used.
 */
export function selectBackend(pin: BackendName | null = backendFromEnv()): Promise<BackendSelection> {
  if (selected && selectedFor === pin) return selected;
  selectedFor = pin;
  selected = (async () => {
    const order = pin ? [CANDIDATES.find((c) => c.name === pin)!, ...CANDIDATES.filter((c) => c.name !== pin)] : [...CANDIDATES];
    const probes: BackendProbe[] = [];
    let active: BackendName | null = null;
    for (const c of order) {
      if (active) {
        probes.push({ name: c.name, package: c.package, loaded: false, reason: `not tried (${active} loaded first)`, install: c.install });
        continue;
      }
      try {
        await tryCandidate(c);
        active = c.name;
        probes.push({ name: c.name, package: c.package, loaded: true });
      } catch (e) {
        probes.push({ name: c.name, package: c.package, loaded: false, reason: reasonOf(e), install: c.install });
      }
    }
    if (!active) throw new Error(`No TF.js backend loaded: ${probes.map((p) => `${p.name}: ${p.reason}`).join('; ')}`);
    probes.sort((a, b) => BACKEND_NAMES.indexOf(a.name) - BACKEND_NAMES.indexOf(b.name));
    return { active, device: await deviceOf(active), probes };
  })();
  return selected;
}
