import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { errorBody } from './http-error.filter';

export interface FieldProblem {
  field: string;
  problems: string[];
}

/** Flattens class-validator errors to one entry per field path, e.g. `calls.3.userId`. */
export function fieldProblems(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...fieldProblems(error.children ?? [], field)];
  });
}

/** The gateway's input validation: whitelisted DTOs, every wrong field named in one 400. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = fieldProblems(errors);
      const summary = details.map((d) => `${d.field}: ${d.problems.join(', ')}`).join('; ');
      return new BadRequestException(errorBody(400, 'invalid_request', summary, details));
    },
  });
}
