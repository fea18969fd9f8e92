import { Module } from '@nestjs/common';
import { AutomaticExportController } from './automatic-export.controller';
import { DataExportController } from './data-export.controller';

@Module({ controllers: [DataExportController, AutomaticExportController] })
export class DataExportModule {}
