import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { timingSafeEqual } from 'node:crypto';

export const INTERNAL_TOKEN_METADATA = 'x-internal-token';

/** Rejects every gRPC call that does not carry the shared internal token. */
@Injectable()
export class InternalTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = Buffer.from(token);
  }

  canActivate(context: ExecutionContext): boolean {
    const metadata = context.switchToRpc().getContext<Metadata | undefined>();
    const presented = metadata?.get?.(INTERNAL_TOKEN_METADATA)[0]?.toString() ?? '';
    const given = Buffer.from(presented);
    if (given.length === this.expected.length && timingSafeEqual(given, this.expected)) return true;
    throw new RpcException({ code: GrpcStatus.UNAUTHENTICATED, message: 'missing or invalid internal token' });
  }
}
