import { Module } from '@nestjs/common';
import { AppRepository } from './app.repository';
import { AppsController } from './apps.controller';
import { AppsService } from './apps.service';

@Module({ controllers: [AppsController], providers: [AppsService, AppRepository], exports: [AppsService] })
export class AppsModule {}
