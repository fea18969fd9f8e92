// Jest's global setup runs outside jest's module mapper: resolve the workspace path aliases here.
import { register } from 'tsconfig-paths';
import { join } from 'node:path';
import { compilerOptions } from '../../../tsconfig.base.json';

register({ baseUrl: join(__dirname, '..', '..', '..'), paths: compilerOptions.paths });
