import {
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiSeeOtherResponse,
  ApiTags,
} from '@nestjs/swagger';
import { exportsV1 } from '@exportd/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { errorBody } from '../errors/http-error.filter';
import { exportJobCall, requiredJob } from '../exports/export-job-contract';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { COVEO_CONFIG, CoveoConfig, publicBaseUrl } from './coveo.config';
import { coveoCreateRequest, CoveoQuery, redirectAsked } from './coveo-export-query';
import { coveoExportBody, coveoStatus, zipUrl } from './coveo-export.mapper';
import { CoveoOrgGuard } from './coveo-org.guard';
import { CoveoEstimateDocs, CoveoExportDocs, CoveoExportListDocs, CoveoExportQueryDocs, CoveoOrgDocs } from './coveo.docs';

const COVEO = exportsV1.ExportApi.EXPORT_API_COVEO;

/**
 * Coveo's exports (Usage Analytics Read API v15, seed 004): query parameters in, one zip of CSV tables out,
 * polled until AVAILABLE and downloaded through a 303 to its presigned link. Only Coveo-compatible jobs: any
 * other API's job id is a 404 here. export-job checks every rule (window, tables, dimensions, filters) and
 * answers 400 `invalid_request` / `invalid_filter` naming what is wrong. Creating and deleting need
 * exports:write (Coveo's Edit privilege), the rest exports:read (View).
 */
@ApiTags('Coveo-compatible API')
@Controller('rest/ua/v15/exports')
@UseGuards(ApiKeyGuard, CoveoOrgGuard)
@CoveoOrgDocs()
@ApiErrors(503)
export class CoveoExportsController {
  constructor(
    private readonly clients: ServiceClients,
    @Inject(COVEO_CONFIG) private readonly config: CoveoConfig,
  ) {}

  /** 201 with the export, PENDING; `author` is the API key's id (keys have no name on this platform). */
  @Post()
  @HttpCode(201)
  @RequirePrivileges('exports:write')
  @ApiOperation({
    summary: 'Create an export',
    description: 'A zip of one CSV per table, of the `[from, to)` window by event time; poll it until AVAILABLE.',
  })
  @CoveoExportQueryDocs()
  @ApiKeyAuthDocs({ privileges: ['exports:write'], plan: true })
  @ApiCreatedResponse({ type: CoveoExportDocs, description: 'The export, PENDING.' })
  @ApiErrors({ status: 400, description: '`invalid_request` or `invalid_filter` naming the parameter; nothing stored.' })
  async create(@CurrentAuth() auth: ApiKeyAuth, @Query() query: CoveoQuery, @Req() request: FastifyRequest) {
    const call = this.clients.exportJobs.createExportJob(coveoCreateRequest(auth.app.id, auth.keyId, query));
    return coveoExportBody(requiredJob((await exportJobCall(auth.app, call)).job), this.baseUrl(request));
  }

  @Get()
  @RequirePrivileges('exports:read')
  @ApiOperation({ summary: 'List exports', description: "The app's Coveo-compatible exports, newest first." })
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @ApiOkResponse({ type: CoveoExportListDocs, description: 'The exports.' })
  async list(@CurrentAuth() auth: ApiKeyAuth, @Req() request: FastifyRequest) {
    const call = this.clients.exportJobs.listExportJobs({ appId: auth.app.id, api: COVEO });
    const { jobs } = await exportJobCall(auth.app, call);
    return { exports: jobs.map((job) => coveoExportBody(job, this.baseUrl(request))) };
  }

  /** The rows each table of the same request would hold, counted now: `{"estimates": {"<table>": rows}}`. */
  @Get('estimate')
  @RequirePrivileges('exports:read')
  @ApiOperation({ summary: 'Estimate an export', description: 'The rows each table of the same request would hold now.' })
  @CoveoExportQueryDocs()
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @ApiOkResponse({ type: CoveoEstimateDocs, description: 'Rows per table.' })
  @ApiErrors({ status: 400, description: '`invalid_request` or `invalid_filter` naming the parameter.' })
  async estimate(@CurrentAuth() auth: ApiKeyAuth, @Query() query: CoveoQuery) {
    const call = this.clients.exportJobs.estimateExport({ request: coveoCreateRequest(auth.app.id, auth.keyId, query) });
    const { estimates } = await exportJobCall(auth.app, call);
    return { estimates: Object.fromEntries(estimates.map((estimate) => [estimate.table, estimate.rows])) };
  }

  /**
   * The export; with `redirect=true` a 303 to the zip's presigned link, or a 409 `export_not_available` while
   * it is not AVAILABLE (the export exists: its state, not its id, is what is wrong).
   */
  @Get(':id')
  @RequirePrivileges('exports:read')
  @ApiOperation({
    summary: 'Get an export, or download it',
    description: 'The export; with `redirect=true`, a 303 to its zip (a 409 `export_not_available` until it is AVAILABLE).',
  })
  @ApiParam({ name: 'id', description: "The export's id." })
  @ApiQuery({ name: 'redirect', required: false, schema: { type: 'boolean', default: false } })
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @ApiOkResponse({ type: CoveoExportDocs, description: 'The export (`redirect=false`).' })
  @ApiSeeOtherResponse({
    description: "`redirect=true`: to the zip's presigned link.",
    headers: { Location: { description: 'The presigned link.', schema: { type: 'string' } } },
  })
  @ApiErrors(
    { status: 400, description: '`invalid_request`: redirect must be true or false.' },
    { status: 409, description: '`export_not_available`: not AVAILABLE yet (or any more); `details.status` says which.' },
  )
  async get(
    @CurrentAuth() auth: ApiKeyAuth,
    @Param('id') id: string,
    @Query() query: CoveoQuery,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const redirect = redirectAsked(query);
    const call = this.clients.exportJobs.getExportJob({ appId: auth.app.id, jobId: id, api: COVEO });
    const job = requiredJob((await exportJobCall(auth.app, call)).job);
    if (!redirect) return reply.send(coveoExportBody(job, this.baseUrl(request)));
    const status = coveoStatus(job);
    if (status !== 'AVAILABLE')
      throw new ConflictException(
        errorBody(409, 'export_not_available', `export ${id} is ${status}: its file can be downloaded once it is AVAILABLE`, {
          status,
        }),
      );
    return reply.redirect(zipUrl(job), 303);
  }

  /** 204: the export and its file are deleted; its id and its links answer 404 from then on. */
  @Delete(':id')
  @HttpCode(204)
  @RequirePrivileges('exports:write')
  @ApiOperation({
    summary: 'Delete an export',
    description: 'Stops it if it runs and deletes its zip; its id and links then answer 404.',
  })
  @ApiParam({ name: 'id', description: "The export's id." })
  @ApiKeyAuthDocs({ privileges: ['exports:write'], plan: true })
  @ApiNoContentResponse({ description: 'Deleted.' })
  async delete(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string): Promise<void> {
    await exportJobCall(auth.app, this.clients.exportJobs.deleteExportJob({ appId: auth.app.id, jobId: id, api: COVEO }));
  }

  private baseUrl(request: FastifyRequest): string {
    return publicBaseUrl(this.config, request);
  }
}
