/**
 * The global ValidationPipe and how its failures read: one 400 (a domain error, so the one
 * filter maps it) whose message names each parameter. Routes whose DTO depends on a path value
 * (the records of a dataset) validate with the same pipe through `validateQuery`.
 */
import { Type, ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, ValidatorOptions } from 'class-validator';
import { DomainError, invalidInput } from '../domain-error';

/** A DTO class may name its listing (e.g. the dataset) for messages about unknown parameters. */
interface NamedQuery {
  queryScope?: string;
}

function acceptedOf(target: object | undefined): string[] {
  if (!target) return [];
  const metadata = getMetadataStorage().getTargetValidationMetadatas(
    target.constructor,
    '',
    false,
    false,
  );
  return [...new Set(metadata.map((m) => m.propertyName))];
}

function describe(error: ValidationError): string {
  if (error.constraints?.whitelistValidation) {
    const scope = (error.target?.constructor as NamedQuery | undefined)?.queryScope;
    return `unknown query parameter "${error.property.slice(0, 64)}"${scope ? ` for ${scope}` : ''}; accepted: ${acceptedOf(error.target).join(', ')}`;
  }
  return Object.values(error.constraints ?? {}).join('; ');
}

export function queryValidationError(errors: ValidationError[]): DomainError {
  return invalidInput(errors.map(describe).join('; '), {
    parameter: errors[0]?.property.slice(0, 64),
  });
}

const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  // One message per parameter: a value that is not even of the right form need not be
  // reported as also out of range.
  stopAtFirstError: true,
  // The target names the DTO for "unknown parameter; accepted: ..."; values are never echoed.
  validationError: { target: true, value: false },
};

export const validationPipe = new ValidationPipe({
  ...VALIDATOR_OPTIONS,
  transform: true,
  exceptionFactory: queryValidationError,
});

/** What the global pipe does to a @Query() DTO, for a DTO chosen at run time. */
export function validateQuery<T extends object>(metatype: Type<T>, raw: object): T {
  const value = plainToInstance(metatype, raw);
  const errors = validateSync(value, VALIDATOR_OPTIONS);
  if (errors.length > 0) throw queryValidationError(errors);
  return value;
}
