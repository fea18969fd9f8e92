import { Controller } from '@nestjs/common';
import { privacy } from '@exportd/contracts';
import type { Metadata, ServerWritableStream } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import { UserDataPart, UserDataService } from './user-data.service';

/** privacy.v1.UserDataService: proto <-> domain, nothing else. */
@Controller()
@privacy.UserDataServiceControllerMethods()
export class UserDataController implements privacy.UserDataServiceController {
  constructor(private readonly userData: UserDataService) {}

  /**
   * Writes to the call itself (awaiting 'drain' when `write` answers false) instead of emitting into the
   * Observable, which would buffer without bound; the Observable only reports the end or the error.
   */
  streamUserData(
    request: privacy.StreamUserDataRequest,
    _metadata?: Metadata,
    call?: ServerWritableStream<privacy.StreamUserDataRequest, privacy.UserDataChunk>,
  ): Observable<privacy.UserDataChunk> {
    return new Observable<privacy.UserDataChunk>((subscriber) => {
      let cancelled = false;
      const run = async () => {
        if (!call) throw new Error('streamUserData needs the gRPC call');
        call.on('cancelled', () => (cancelled = true));
        // Leaving the loop early closes the generator, and with it the cursor.
        for await (const part of this.userData.stream(request.appId, request.userId)) {
          if (cancelled || call.cancelled) return;
          if (!call.write(toProto(part))) await drained(call);
        }
      };
      run().then(
        () => subscriber.complete(),
        // The error passes through DomainErrorFilter, which maps it to a status.
        (error: unknown) => subscriber.error(error),
      );
      return () => {
        cancelled = true;
      };
    });
  }
}

function toProto(part: UserDataPart): privacy.UserDataChunk {
  const chunk: privacy.UserDataChunk = { profileJson: '', companiesJson: [], callsJson: [], summaryJson: '' };
  switch (part.kind) {
    case 'profile':
      return { ...chunk, profileJson: part.profileJson, companiesJson: part.companiesJson };
    case 'calls':
      return { ...chunk, callsJson: part.callsJson };
    case 'summary':
      return { ...chunk, summaryJson: part.summaryJson };
  }
}

function drained(call: ServerWritableStream<unknown, unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
  });
}
