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
import { exportsV1 } from '@exportd/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { errorBody } from '../errors/http-error.filter';
import { exportJobCall, requiredJob } from '../exports/export-job-contract';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { COVEO_CONFIG, CoveoConfig, publicBaseUrl } from './coveo.config';
import { coveoCreateRequest, CoveoQuery, redirectAsked } from './coveo-export-query';
import { coveoExportBody, coveoStatus, zipUrl } from './coveo-export.mapper';
import { CoveoOrgGuard } from './coveo-org.guard';

const COVEO = exportsV1.ExportApi.EXPORT_API_COVEO;

/**
 * Coveo's exports (Usage Analytics Read API v15, seed 004): query parameters in, one zip of CSV tables out,
 * polled until AVAILABLE and downloaded through a 303 to its presigned link. Only Coveo-compatible jobs: any
 * other API's job id is a 404 here. export-job checks every rule (window, tables, dimensions, filters) and
 * answers 400 `invalid_request` / `invalid_filter` naming what is wrong. Creating and deleting need
 * exports:write (Coveo's Edit privilege), the rest exports:read (View).
 */
@Controller('rest/ua/v15/exports')
@UseGuards(ApiKeyGuard, CoveoOrgGuard)
export class CoveoExportsController {
  constructor(
    private readonly clients: ServiceClients,
    @Inject(COVEO_CONFIG) private readonly config: CoveoConfig,
  ) {}

  /** 201 with the export, PENDING; `author` is the API key's id (keys have no name on this platform). */
  @Post()
  @HttpCode(201)
  @RequirePrivileges('exports:write')
  async create(@CurrentAuth() auth: ApiKeyAuth, @Query() query: CoveoQuery, @Req() request: FastifyRequest) {
    const call = this.clients.exportJobs.createExportJob(coveoCreateRequest(auth.app.id, auth.keyId, query));
    return coveoExportBody(requiredJob((await exportJobCall(auth.app, call)).job), this.baseUrl(request));
  }

  @Get()
  @RequirePrivileges('exports:read')
  async list(@CurrentAuth() auth: ApiKeyAuth, @Req() request: FastifyRequest) {
    const call = this.clients.exportJobs.listExportJobs({ appId: auth.app.id, api: COVEO });
    const { jobs } = await exportJobCall(auth.app, call);
    return { exports: jobs.map((job) => coveoExportBody(job, this.baseUrl(request))) };
  }

  /** The rows each table of the same request would hold, counted now: `{"estimates": {"<table>": rows}}`. */
  @Get('estimate')
  @RequirePrivileges('exports:read')
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
  async delete(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string): Promise<void> {
    await exportJobCall(auth.app, this.clients.exportJobs.deleteExportJob({ appId: auth.app.id, jobId: id, api: COVEO }));
  }

  private baseUrl(request: FastifyRequest): string {
    return publicBaseUrl(this.config, request);
  }
}
