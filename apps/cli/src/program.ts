import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './cli-error';
import { CliConfig, cliConfig, DEFAULT_URL, GlobalOptions, requiredApiKey, requiredTrackingKey } from './config';
import { downloadCompanyCsv } from './company-csv/company-csv';
import { createExportBody, CreateExportOptions } from './exports/create-export';
import { downloadExport, MISMATCH_SUFFIX } from './exports/download-export';
import { exportJobOf } from './exports/export-job';
import { completedSummary, jobPath, readJob, waitForExport } from './exports/wait-export';
import { HttpClient, isRecord } from './http-client';
import { progressBar } from './progress';
import { API_BULK_LIMITS, CALL_TYPES } from './track/jsonl-calls';
import { INTERRUPTED_EXIT_CODE, uploadTrackingFile } from './track/track-upload';

/** What the CLI talks to: the environment and the two output streams (stdout for results, stderr for the rest). */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  now: () => Date;
  /** Where SIGINT is heard (the process); absent: not handled. */
  signals?: Pick<NodeJS.Process, 'once' | 'off'>;
}

interface Globals extends GlobalOptions {
  quiet?: boolean;
}

const HISTORIES = ['today', '30d-daily', '3m-weekly', '6m-weekly'];

function integer(min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    }
    return parsed;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function version(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
    return isRecord(pkg) && typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The `exportd` command tree. Actions throw CliError for anything the user should read; runCli prints it. */
export function buildProgram(context: CliContext): Command {
  const { stdout, stderr } = context;
  const program = new Command('exportd')
    .description('Command-line client of the exportd platform: on-demand exports, the company data export, tracking uploads.')
    .version(version(), '-V, --version')
    .option('--url <url>', `the platform's URL (env EXPORTD_URL; default ${DEFAULT_URL})`)
    .option('--api-key <key>', 'API key of the exports and company data export APIs (env EXPORTD_API_KEY)')
    .option('-q, --quiet', 'no progress bar or status lines on stderr (errors are still printed)')
    .configureOutput({
      writeOut: (text) => stdout.write(text),
      writeErr: (text) => stderr.write(text),
      outputError: (text, write) => write(`exportd: ${text.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Flags win over the environment. Errors are printed as "exportd: <message>" with a non-zero exit code.

Examples:
  export EXPORTD_URL=https://exports.example.com EXPORTD_API_KEY=...
  id=$(exportd exports create --from 2024-06-01 --to 2024-06-30 --data-types events,users --format csv)
  exportd exports wait "$id" && exportd exports download "$id" --out ./export
  exportd company-csv --history 30d-daily -o companies.csv
  EXPORTD_TRACKING_KEY=... exportd track calls.jsonl`,
    );

  const setup = (command: Command): { globals: Globals; config: CliConfig; client: HttpClient } => {
    const globals = command.optsWithGlobals<Globals>();
    const config = cliConfig(globals, context.env);
    return { globals, config, client: new HttpClient({ baseUrl: config.url }) };
  };

  const exportsCommand = program.command('exports').description('on-demand exports (POST/GET/DELETE /api/v1/exports)');

  exportsCommand
    .command('create')
    .description('create an on-demand export and print its id (only the id, on stdout)')
    .option('--from <day>', 'first day, YYYY-MM-DD (or today, yesterday, <N>d)')
    .option('--to <day>', 'last day, included (at most 30 days from --from)')
    .option('--history <option>', `company_features alone, instead of --from/--to: ${HISTORIES.join(', ')}`)
    .requiredOption('--data-types <list>', 'comma-separated: events, users, companies, feedback, company_features')
    .option('--format <format>', 'csv or jsonl', 'csv')
    .option(
      '--filter <expression>',
      "row filter in the platform's filter language, e.g. \"event_name == 'Opened report'\"; repeat to AND them",
      collect,
      [],
    )
    .option('--user-ids <list>', 'only these users (comma-separated)')
    .option('--company-ids <list>', 'only these companies (comma-separated)')
    .option(
      '--event-types <list>',
      'events only of these types: identify_user, identify_company, page_view, track, track_feature, feedback',
    )
    .option('--exclusions', "leave out the users and companies on the app's exclusion list")
    .option('--json', 'print the whole job body (JSON) instead of its id')
    .action(async (options: CreateExportOptions & { json?: boolean }, command: Command) => {
      const { config, client } = setup(command);
      const body = createExportBody(options, context.now());
      const job = exportJobOf(
        await client.json('POST', '/api/v1/exports', { apiKey: requiredApiKey(config), body, retry: 'rate-limited' }),
      );
      stdout.write(options.json ? `${JSON.stringify(job, null, 2)}\n` : `${job.id}\n`);
    });

  exportsCommand
    .command('wait')
    .description(
      'wait for an export to end, with its progress on stderr; exit 0 when it completed, non-zero when it failed or was cancelled',
    )
    .argument('<id>', 'the export job id')
    .option('--interval <ms>', 'poll interval in milliseconds', integer(100, 600_000), 1000)
    .option('--timeout <seconds>', 'give up after this long (0: never)', integer(0, 30 * 86_400), 0)
    .action(async (id: string, options: { interval: number; timeout: number }, command: Command) => {
      const { globals, config, client } = setup(command);
      const quiet = globals.quiet === true;
      const job = await waitForExport(client, {
        id,
        apiKey: requiredApiKey(config),
        intervalMs: options.interval,
        timeoutMs: options.timeout * 1000,
        progress: progressBar({
          format: 'export {bar} {value}/{total} partitions | {status} | rows {rows}',
          stream: stderr,
          quiet,
        }),
        statusLine: quiet || stderr.isTTY ? undefined : (line) => stderr.write(`${line}\n`),
      });
      if (!quiet) stderr.write(`${completedSummary(job)}\n`);
    });

  exportsCommand
    .command('download')
    .description("download every file of a completed export and check each file's SHA-256 against the manifest and the job")
    .argument('<id>', 'the export job id')
    .option('-o, --out <dir>', 'directory to write the files and manifest.json to', '.')
    .action(async (id: string, options: { out: string }, command: Command) => {
      const { globals, config, client } = setup(command);
      const quiet = globals.quiet === true;
      const result = await downloadExport(client, {
        id,
        apiKey: requiredApiKey(config),
        outDir: options.out,
        progress: progressBar({ format: 'download {bar} {percentage}% | {value}/{total} bytes | {file}', stream: stderr, quiet }),
      });
      const passed = result.files.filter((f) => f.mismatches.length === 0);
      const failed = result.files.filter((f) => f.mismatches.length > 0);
      for (const file of result.files) {
        if (file.mismatches.length === 0) {
          stdout.write(`${file.path}\n`);
          if (!quiet) stderr.write(`ok        ${file.filename} (${file.bytes} bytes, sha256 ${file.sha256})\n`);
        } else {
          stderr.write(`MISMATCH  ${file.filename}: its SHA-256 is ${file.sha256}, but ${file.mismatches.join(' and ')}\n`);
        }
      }
      if (!result.manifestPath && !quiet) stderr.write(`export ${id} has no manifest; checked against the job's listing only\n`);
      if (failed.length > 0) {
        throw new CliError(
          `${failed.length} of ${result.files.length} files of export ${id} did not match their SHA-256: ${failed
            .map((f) => f.filename)
            .join(', ')} (kept as <name>${MISMATCH_SUFFIX}); passed: ${passed.map((f) => f.filename).join(', ') || 'none'}`,
        );
      }
      if (!quiet) stderr.write(`export ${id}: ${passed.length} files downloaded to ${options.out}, every SHA-256 matched\n`);
    });

  exportsCommand
    .command('get')
    .description("print an export's job body (JSON)")
    .argument('<id>', 'the export job id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { config, client } = setup(command);
      stdout.write(`${JSON.stringify(await readJob(client, id, requiredApiKey(config)), null, 2)}\n`);
    });

  exportsCommand
    .command('list')
    .description("list the app's on-demand exports: id, status, days or history, data types, created")
    .action(async (_options: unknown, command: Command) => {
      const { config, client } = setup(command);
      const body = await client.json<unknown>('GET', '/api/v1/exports', { apiKey: requiredApiKey(config) });
      const jobs = isRecord(body) && Array.isArray(body.data) ? body.data.map(exportJobOf) : [];
      for (const job of jobs) {
        const range = job.history ?? `${job.startDate ?? ''}..${job.endDate ?? ''}`;
        stdout.write(`${job.id}\t${job.status}\t${range}\t${job.dataTypes.join(',')}\t${job.createdAt ?? ''}\n`);
      }
    });

  exportsCommand
    .command('cancel')
    .description('cancel a pending or running export')
    .argument('<id>', 'the export job id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { globals, config, client } = setup(command);
      const job = exportJobOf(await client.json('DELETE', jobPath(id), { apiKey: requiredApiKey(config) }));
      if (globals.quiet !== true) stderr.write(`export ${job.id}: ${job.status}\n`);
    });

  program
    .command('company-csv')
    .description('the company data export (18 columns, one row per company, feature and date) as a CSV file')
    .option('--history <option>', HISTORIES.join(', '), 'today')
    .option('-o, --out <file>', 'file to write, or - for stdout (default: companies-<history>.csv)')
    .action(async (options: { history: string; out?: string }, command: Command) => {
      const { globals, config, client } = setup(command);
      const out = options.out ?? `companies-${options.history}.csv`;
      const bytes = await downloadCompanyCsv(client, { apiKey: requiredApiKey(config), history: options.history, out, stdout });
      if (out !== '-' && globals.quiet !== true) stderr.write(`wrote ${out} (${bytes} bytes)\n`);
    });

  program
    .command('track')
    .description(
      'upload a JSON Lines file of tracking calls (one call per line, as in POST /{trackingKey}/bulk) in bulk requests',
    )
    .argument('<file>', 'the .jsonl file')
    .option('--key <trackingKey>', "the app's tracking key (env EXPORTD_TRACKING_KEY), not the API key")
    .option('--type <type>', `type of the lines that have none: ${CALL_TYPES.join(', ')}`)
    .option('--source <name>', "names the file in the messageIds given to calls without one (default: the file's real path)")
    .option('--batch-size <calls>', 'calls per bulk request', integer(1, API_BULK_LIMITS.maxCalls), 1000)
    .option('--max-bytes <bytes>', 'bytes per bulk request', integer(1024, API_BULK_LIMITS.maxBytes), API_BULK_LIMITS.maxBytes)
    .addHelpText(
      'after',
      `
Each line is one call: {"type": "user" | "company" | "event" | "feedback" | "page", ...the call's fields}.
A call without a messageId gets one derived from the file (--source), its line number and its text, so running
the same file again (after an interruption, say) stores nothing twice: the platform deduplicates messageIds.
The tracking key is the app's public trackingKey (admin API: GET /admin/v1/apps/{id}).`,
    )
    .action(
      async (
        file: string,
        options: { key?: string; type?: string; source?: string; batchSize: number; maxBytes: number },
        command: Command,
      ) => {
        const { globals, client } = setup(command);
        if (options.type !== undefined && !(CALL_TYPES as readonly string[]).includes(options.type)) {
          throw new CliError(`--type must be one of ${CALL_TYPES.join(', ')}, got "${options.type}"`);
        }
        const quiet = globals.quiet === true;
        const trackingKey = requiredTrackingKey(options.key, context.env);
        const stop = new AbortController();
        const onInterrupt = () => stop.abort(new CliError('interrupted', INTERRUPTED_EXIT_CODE));
        context.signals?.once('SIGINT', onInterrupt);
        let result;
        try {
          result = await uploadTrackingFile(client, {
            file,
            trackingKey,
            limits: { maxCalls: options.batchSize, maxBytes: options.maxBytes },
            source: options.source,
            defaultType: options.type,
            progress: progressBar({ format: 'track {bar} {percentage}% | {calls} calls sent', stream: stderr, quiet }),
            signal: stop.signal,
          });
        } finally {
          context.signals?.off('SIGINT', onInterrupt);
        }
        if (!quiet) {
          stderr.write(
            `sent ${result.calls} calls from ${file} in ${result.requests} requests (${result.assignedMessageIds} given a messageId)\n`,
          );
        }
      },
    );

  return program;
}

/** Runs the CLI; answers the exit code. */
export async function runCli(argv: string[], context: CliContext): Promise<number> {
  const program = buildProgram(context);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      context.stderr.write(`exportd: ${error.message}\n`);
      return error.exitCode;
    }
    context.stderr.write(`exportd: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
