import { Module } from '@nestjs/common';
import { CompanyUsageClient } from './company-usage.client';
import { DataExportController } from './data-export.controller';

@Module({ controllers: [DataExportController], providers: [CompanyUsageClient] })
export class DataExportModule {}
