import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { freePort } from '../../scripts/lib/ports';
import { buildDist, childEnv, ROOT, runCli } from '../support/compiled';
import { RunningProcess, type Finished } from '../support/processes';
import { waitUntil } from '../support/wait';

/**
 * The Temporal Web UI of the local stack (`npm start`: dev server with the UI pointed at the codec
 * server, the codec server, both simulators, the worker; payloads encrypted), driven in headless
 * Chromium as an operator uses it. Runs are started and cancelled with the `offboard` CLI.
 *
 * Chromium is Debian's package (scripts/ensure-chromium.sh, run by `npm test`, installs it), driven
 * by playwright-core, which downloads nothing; CHROMIUM_PATH names another binary. Without one the
 * test fails, never skips.
 *
 * `SCREENSHOTS=1 npx jest test/browser` also rewrites docs/images/needs-attention.png,
 * scheduled-today.png and requests-only.png: the queries an operator saves as views in the UI.
 */

const STACK = path.join(ROOT, 'dist', 'scripts', 'stack.js');
/** Every wait on the UI: generous, the machine is small and shared. */
const UI_WAIT_MS = 60_000;
const SCREENSHOTS = process.env.SCREENSHOTS === '1';
const IMAGES = path.join(ROOT, 'docs', 'images');
/**
 * What the page shows when a payload is not decoded: its encoding `binary/encrypted` (the UI prints
 * metadata in base64) and the UI's banner for a codec server it cannot reach.
 */
const ENCRYPTED_MARKS = ['binary/encrypted', 'YmluYXJ5L2VuY3J5cHRlZA', 'Codec Server could not connect'];

/** The saved views whose pictures docs/images/ holds: file name, view name, query. */
const VIEWS = [
  {
    file: 'needs-attention.png',
    name: 'Needs attention',
    query: 'ExecutionStatus="Running" AND OffboardingPhase="needs_attention"',
  },
  {
    file: 'scheduled-today.png',
    name: 'Scheduled',
    query: 'ExecutionStatus="Running" AND OffboardingPhase="scheduled"',
  },
  { file: 'requests-only.png', name: 'Offboarding requests', query: 'OffboardingRunKind="request"' },
] as const;

/** Debian's chromium on PATH, or CHROMIUM_PATH; an error naming the fix when there is none. */
function findChromium(): string {
  const candidates = process.env.CHROMIUM_PATH
    ? [process.env.CHROMIUM_PATH]
    : (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .flatMap((dir) => ['chromium', 'chromium-browser'].map((name) => path.join(dir, name)));
  for (const candidate of candidates) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error(
    `no Chromium for the Web UI test (${process.env.CHROMIUM_PATH ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not executable` : 'chromium is not on PATH'}): ` +
      `install Debian's package (apt-get install -y chromium; npm test does it through scripts/ensure-chromium.sh) or set CHROMIUM_PATH`,
  );
}

interface RunStatus {
  status: string;
  progress?: { phase?: string };
}

describe('the Temporal Web UI of the local stack (headless Chromium)', () => {
  let dataDir: string | undefined;
  let stack: RunningProcess | undefined;
  let browser: Browser | undefined;
  let uiUrl = '';
  let codecUrl = '';
  let temporalAddress = '';
  /** Runs started here and not yet seen closed: afterAll cancels whatever a failed test left. */
  const open = new Set<string>();
  const runs = { done: '', held: '', scheduled: '' };

  beforeAll(async () => {
    const executablePath = findChromium();
    buildDist();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'offboarding-web-ui-'));
    const ports = {
      STACK_TEMPORAL_PORT: String(await freePort()),
      STACK_UI_PORT: String(await freePort()),
      WPS_SIM_PORT: String(await freePort()),
      AUTHING_SIM_PORT: String(await freePort()),
      STACK_CODEC_PORT: String(await freePort()),
    };
    uiUrl = `http://localhost:${ports.STACK_UI_PORT}`;
    codecUrl = `http://127.0.0.1:${ports.STACK_CODEC_PORT}`;
    temporalAddress = `127.0.0.1:${ports.STACK_TEMPORAL_PORT}`;
    // The stack of `npm start` as its end-to-end test runs it (test/e2e/stack.test.ts): its own
    // ports and data folder, nothing inherited that would point it at other servers or keys.
    const env: NodeJS.ProcessEnv = { ...process.env, ...ports, STACK_DATA_DIR: dataDir };
    for (const name of [
      'WPS_BASE_URL',
      'AUTHING_BASE_URL',
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_UI_URL',
      'OFFBOARDING_TASK_QUEUE',
      'PAYLOAD_CODEC_KEYS',
      'PAYLOAD_CODEC_KEYS_FILE',
      'PAYLOAD_CODEC_KEY_ID',
      'SIM_DIRECTORY_FILE',
    ])
      delete env[name];
    stack = new RunningProcess(process.execPath, [STACK, '--no-job'], { env, cwd: ROOT });
    await stack.waitForOutput(/serving; press Ctrl-C to stop everything/, 240_000);
    browser = await chromium.launch({ executablePath, headless: true });
  }, 420_000);

  afterAll(async () => {
    for (const requestId of open) await offboard('cancel', requestId, '--reason', 'web UI test cleanup');
    await browser?.close();
    if (stack && stack.child.exitCode === null && stack.child.signalCode === null) {
      stack.child.kill('SIGINT');
      await stack.finished(90_000);
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 240_000);

  /** `offboard ...args` against the stack, with its development key (the CLI refuses to run without). */
  const offboard = (...args: string[]): Promise<Finished> =>
    runCli(
      args,
      childEnv({
        TEMPORAL_ADDRESS: temporalAddress,
        TEMPORAL_NAMESPACE: 'default',
        TEMPORAL_UI_URL: uiUrl,
        PAYLOAD_CODEC_KEYS_FILE: path.join(dataDir ?? '', 'payload-codec-keys'),
      }),
    );

  function expectExit(finished: Finished, code: number, what: string): void {
    if (finished.code !== code)
      throw new Error(
        `${what} exited ${String(finished.code)} (wanted ${code})\nstdout:\n${finished.stdout}\nstderr:\n${finished.stderr}`,
      );
  }

  /**
   * Starts request `requestId` of `leavers` with the CLI. The stack's data folder is new for each run
   * of this file, so fixed, readable ids (they show in docs/images/) never meet an earlier run.
   */
  async function startRun(
    requestId: string,
    leavers: object[],
    extra: { effectiveAt?: string; wait?: boolean } = {},
  ): Promise<string> {
    const file = path.join(dataDir ?? '', `${requestId}.json`);
    const request = { requestId, ...(extra.effectiveAt ? { effectiveAt: extra.effectiveAt } : {}), leavers };
    fs.writeFileSync(file, JSON.stringify(request));
    open.add(requestId);
    expectExit(
      await offboard('start', file, ...(extra.wait ? ['--wait'] : [])),
      0,
      `offboard start ${requestId}`,
    );
    if (extra.wait) open.delete(requestId);
    return requestId;
  }

  async function statusOf(requestId: string): Promise<RunStatus> {
    const finished = await offboard('status', requestId, '--json');
    expectExit(finished, 0, `offboard status ${requestId}`);
    return JSON.parse(finished.stdout) as RunStatus;
  }

  /** Until the run is in `phase` and Temporal's visibility (what the UI lists from) says so too. */
  async function waitForPhase(requestId: string, phase: string): Promise<void> {
    await waitUntil(
      async () => (await statusOf(requestId)).progress?.phase === phase,
      `run ${requestId} in phase ${phase}`,
      120_000,
      500,
    );
    await waitUntil(
      async () => {
        const listed = await offboard('list', '--phase', phase, '--json');
        return listed.code === 0 && listed.stdout.includes(`"requestId":"${requestId}"`);
      },
      `run ${requestId} listed in phase ${phase}`,
      60_000,
      500,
    );
  }

  const listUrl = (query: string): string =>
    `${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;

  /**
   * Opens `url` until `shown` appears (a list is read once per load and Temporal's visibility can lag
   * the run by a moment): each load gets a fifth of UI_WAIT_MS, all of them UI_WAIT_MS.
   */
  async function openUntilShown(page: Page, url: string, shown: (page: Page) => Locator): Promise<void> {
    const deadline = Date.now() + UI_WAIT_MS;
    for (;;) {
      await page.goto(url);
      try {
        await shown(page)
          .first()
          .waitFor({ timeout: Math.max(1_000, Math.min(UI_WAIT_MS / 5, deadline - Date.now())) });
        return;
      } catch (err) {
        if (Date.now() >= deadline) throw err;
      }
    }
  }
  const workflowLink = (page: Page, requestId: string): Locator =>
    page.getByRole('link', { name: `offboarding-${requestId}`, exact: true });

  /** A page in a fresh browser context; on failure, the error says where the page was and what it showed. */
  async function withPage<T>(
    fn: (page: Page) => Promise<T>,
    viewport = { width: 1440, height: 900 },
  ): Promise<T> {
    if (!browser) throw new Error('the browser did not start (see beforeAll)');
    const context = await browser.newContext({ viewport });
    context.setDefaultTimeout(UI_WAIT_MS);
    const page = await context.newPage();
    try {
      return await fn(page);
    } catch (err) {
      const shown = await page
        .locator('body')
        .innerText({ timeout: 5_000 })
        .catch(() => '(unreadable)');
      throw new Error(
        `${err instanceof Error ? err.message : String(err)}\n--- page ${page.url()} showed:\n${shown.slice(0, 3_000)}`,
        { cause: err },
      );
    } finally {
      await context.close();
    }
  }

  it('shows a finished run decrypted through the codec server: input, result and the activities summaries', async () => {
    // From examples/sample-directory.json: both active in WPS, one of them in Authing.
    runs.done = await startRun(
      'ui-done-0001',
      [
        { employeeId: 'E2001', wpsUserId: 'wps-2001', authingUserId: 'au-2001' },
        { employeeId: 'E1005', wpsUserId: 'wps-1005' },
      ],
      { wait: true },
    );
    const requestId = runs.done;

    await withPage(async (page) => {
      let decodes = 0;
      page.on('request', (request) => {
        if (request.method() === 'POST' && request.url().startsWith(`${codecUrl}/`)) decodes++;
      });
      await page.goto(`${uiUrl}/namespaces/default/workflows/offboarding-${requestId}`);
      await page.getByTestId('workflow-id-heading').getByText(`offboarding-${requestId}`).waitFor();

      // Input and result, as JSON: decoded by the codec server, from the browser.
      const inputAndResult = page.getByTestId('input-and-result');
      await inputAndResult.getByText('"status": "completed"').waitFor();
      const payloads = await inputAndResult.innerText();
      expect(payloads).toContain(`"requestId": "${requestId}"`);
      expect(payloads).toContain('"wpsUserId": "wps-2001"');
      expect(payloads).toContain('"status": "done"');
      await page.getByTestId('data-encoder-status-success').waitFor();
      expect(decodes).toBeGreaterThan(0);

      // The activities' summaries (encrypted user metadata too) in the event history.
      const events = page.getByTestId('event-summary-table');
      await events.getByText('WPS disable, batch 1 of 1, 2 users', { exact: false }).first().waitFor();
      await events.getByText('Authing resign, batch 1 of 1, 1 users', { exact: false }).first().waitFor();
      const whole = await page.locator('body').innerText();
      for (const mark of ENCRYPTED_MARKS) expect(whole).not.toContain(mark);

      // And under User Metadata: the run's summary and every event that carries one.
      await page.getByTestId('user-metadata-tab').click();
      // The UI renders the run's summary (markdown) in a frame of its own, the first of the tab's.
      await page
        .frameLocator('iframe[title="output"]')
        .first()
        .getByText(`Offboarding ${requestId}`, { exact: false })
        .waitFor();
      await page.getByText('WPS disable, batch 1 of 1, 2 users', { exact: false }).first().waitFor();
      await page.getByText('Authing resign, batch 1 of 1, 1 users', { exact: false }).first().waitFor();
      for (const mark of ENCRYPTED_MARKS) expect(await page.locator('body').innerText()).not.toContain(mark);
    });
  }, 360_000);

  it('lists a run held by the not_found guard under the documented "needs attention" query, and a future one under "scheduled"', async () => {
    // WPS ids the simulator does not know: none of the batch's ids come back, so the run holds.
    runs.held = await startRun('ui-held-0002', [
      { employeeId: 'E9001', wpsUserId: 'wps-9001' },
      { employeeId: 'E9002', wpsUserId: 'wps-9002' },
    ]);
    runs.scheduled = await startRun(
      'ui-scheduled-0003',
      [{ employeeId: 'E1001', wpsUserId: 'wps-1001', authingUserId: 'au-1001' }],
      { effectiveAt: new Date(Date.now() + 60 * 60_000).toISOString() },
    );
    await waitForPhase(runs.held, 'needs_attention');
    await waitForPhase(runs.scheduled, 'scheduled');

    await withPage(async (page) => {
      // The queries README gives operators to save as views.
      await openUntilShown(page, listUrl(VIEWS[0].query), (p) => workflowLink(p, runs.held));
      await expect(page.getByTestId('workflows-summary-configurable-table-row').count()).resolves.toBe(1);

      await openUntilShown(page, listUrl(VIEWS[1].query), (p) => workflowLink(p, runs.scheduled));
      await expect(page.getByTestId('workflows-summary-configurable-table-row').count()).resolves.toBe(1);

      // Requests only: the three runs, no chunk run.
      await openUntilShown(page, listUrl(VIEWS[2].query), (p) => workflowLink(p, runs.scheduled));
      await expect(page.getByTestId('workflows-summary-configurable-table-row').count()).resolves.toBe(3);
    });
    // Not a test of its own: the pictures for README, taken from the same runs when asked for.
    if (SCREENSHOTS) await saveViewPictures();
  }, 360_000);

  /** Saves each documented query as a view, as an operator would, and a picture of it in docs/images/. */
  async function saveViewPictures(): Promise<void> {
    {
      fs.mkdirSync(IMAGES, { recursive: true });
      await withPage(
        async (page) => {
          // Columns an operator sets once (kept in the browser): the phase and the counts, no run id.
          await page.goto(listUrl(VIEWS[2].query));
          await workflowLink(page, runs.done).waitFor();
          await page.getByTestId('workflows-summary-table-configuration-button').click();
          for (const column of ['Run ID', 'Type', 'Start', 'End'])
            await page.getByTestId(`orderable-list-item-${column}-remove-button`).click();
          for (const column of [
            'OffboardingPhase',
            'OffboardingLeaverCount',
            'OffboardingNotFoundCount',
            'Type',
            'Start',
          ])
            await page.getByTestId(`orderable-list-item-${column}-add-button`).click();
          await page.getByTestId('drawer-close-button').click();

          // Each query saved as a custom view, as an operator would.
          for (const view of VIEWS) {
            await page.goto(listUrl(view.query));
            await page.getByTestId('workflows-summary-configurable-table-row').first().waitFor();
            await page.getByTestId('create-view-button').click();
            await page.getByTestId('save-view-modal-input').fill(view.name);
            await page.getByRole('button', { name: 'Save', exact: true }).click();
            await page.getByRole('button', { name: view.name, exact: true }).waitFor();
          }

          const expected: Record<(typeof VIEWS)[number]['file'], string[]> = {
            'needs-attention.png': [runs.held],
            'scheduled-today.png': [runs.scheduled],
            'requests-only.png': [runs.held, runs.scheduled, runs.done],
          };
          for (const view of VIEWS) {
            // Opened from the saved views panel, the way an operator comes back to it.
            await page.getByRole('button', { name: view.name, exact: true }).click();
            await page.waitForURL((url) => url.searchParams.get('query') === view.query);
            for (const requestId of expected[view.file]) await workflowLink(page, requestId).waitFor();
            await expect(page.getByTestId('workflows-summary-configurable-table-row').count()).resolves.toBe(
              expected[view.file].length,
            );
            await page.screenshot({ path: path.join(IMAGES, view.file) });
          }
        },
        { width: 1920, height: 640 },
      );
    }
  }

  it('a cancel through the CLI ends the held and the scheduled run: nothing is left running', async () => {
    for (const requestId of [runs.held, runs.scheduled]) {
      if (!requestId) continue;
      expectExit(
        await offboard('cancel', requestId, '--reason', 'web UI test: done with it'),
        0,
        `offboard cancel ${requestId}`,
      );
      await waitUntil(
        async () => (await statusOf(requestId)).status !== 'RUNNING',
        `run ${requestId} closed`,
        120_000,
        500,
      );
      expect((await statusOf(requestId)).progress?.phase).toBe('cancelled');
      open.delete(requestId);
    }

    await withPage(async (page) => {
      await openUntilShown(page, listUrl('ExecutionStatus="Running"'), (p) =>
        p.getByText('No Results', { exact: true }),
      );
      for (const requestId of [runs.held, runs.scheduled]) {
        if (requestId)
          await openUntilShown(page, listUrl('OffboardingPhase="cancelled"'), (p) =>
            workflowLink(p, requestId),
          );
      }
    });
  }, 360_000);
});
