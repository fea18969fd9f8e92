import { DomainError } from '@exportd/grpc';

export class NamedFilterNotFound extends DomainError {
  constructor(name: string) {
    super('not_found', 'named_filter_not_found', `named filter ${name} not found`);
  }
}

export class NamedFilterExists extends DomainError {
  constructor(name: string) {
    super('conflict', 'named_filter_exists', `a named filter ${name} already exists`, { name });
  }
}

export class InvalidNamedFilter extends DomainError {
  constructor(message: string, details?: unknown) {
    super('invalid', 'invalid_named_filter', message, details);
  }
}

/** Segments or other named filters refer to the filter: it cannot be deleted. */
export class NamedFilterInUse extends DomainError {
  constructor(name: string, usedBy: { segments: { id: string; name: string }[]; filters: string[] }) {
    const users = [
      ...usedBy.segments.map((s) => `segment ${s.name} (${s.id})`),
      ...usedBy.filters.map((f) => `named filter ${f}`),
    ];
    super('precondition', 'named_filter_in_use', `named filter ${name} is used by ${users.join(', ')}`, { name, ...usedBy });
  }
}

/**
 * A filter (of an export, a segment or a named filter) that does not parse, names an unknown column, or
 * refers to an unknown `$NAME` or a cycle of them. `details` name the position, the field or the name.
 */
export class InvalidFilter extends DomainError {
  constructor(message: string, details: Record<string, unknown>) {
    super('invalid', 'invalid_filter', message, { field: 'filter', ...details });
  }
}
