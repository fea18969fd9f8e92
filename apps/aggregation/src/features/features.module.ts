import { Module } from '@nestjs/common';
import { FeatureRepository } from './feature.repository';
import { FeaturesController } from './features.controller';
import { FeaturesService } from './features.service';

@Module({ controllers: [FeaturesController], providers: [FeaturesService, FeatureRepository], exports: [FeaturesService] })
export class FeaturesModule {}
