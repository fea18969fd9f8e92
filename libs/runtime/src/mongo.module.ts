import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Connection } from 'mongoose';

export const MONGO_CONNECTION = Symbol('MONGO_CONNECTION');
export const InjectConnection = () => Inject(MONGO_CONNECTION);

@Injectable()
class MongoShutdown implements OnApplicationShutdown {
  constructor(@InjectConnection() private readonly connection: Connection) {}
  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}

/** One mongoose connection per process; repositories take it and define their models on it. */
@Global()
@Module({})
export class MongoModule {
  static forRoot(url: string): DynamicModule {
    return {
      module: MongoModule,
      providers: [
        {
          provide: MONGO_CONNECTION,
          useFactory: async (): Promise<Connection> => {
            // Loaded here, not at import: the gateway imports this library but holds no connection.
            const { default: mongoose } = await import('mongoose');
            const connection = mongoose.createConnection(url, {
              serverSelectionTimeoutMS: 10_000,
              // Indexes are created explicitly by each repository at start-up (portable across servers).
              autoIndex: false,
            });
            await connection.asPromise();
            new Logger('mongo').log(`connected to ${redact(url)}`);
            return connection;
          },
        },
        MongoShutdown,
      ],
      exports: [MONGO_CONNECTION],
    };
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]+@/, '//***@');
}
