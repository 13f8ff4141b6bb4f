/**
 * The Standard Schema v1 interface (https://standardschema.dev), copied as the spec asks so no package is
 * needed: zod, valibot and arktype schemas all satisfy it. The engine is synchronous, so a schema whose
 * `validate` returns a promise is refused.
 */
export interface StandardSchemaV1<TInput = unknown, TOutput = TInput> {
  readonly '~standard': StandardSchemaV1.Props<TInput, TOutput>;
}

// eslint-disable-next-line @typescript-eslint/no-namespace -- the spec's own shape, kept so types line up
export declare namespace StandardSchemaV1 {
  export interface Props<TInput = unknown, TOutput = TInput> {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => Result<TOutput> | Promise<Result<TOutput>>;
    readonly types?: Types<TInput, TOutput> | undefined;
  }
  export type Result<TOutput> = SuccessResult<TOutput> | FailureResult;
  export interface SuccessResult<TOutput> {
    readonly value: TOutput;
    readonly issues?: undefined;
  }
  export interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  export interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  export interface PathSegment {
    readonly key: PropertyKey;
  }
  export interface Types<TInput = unknown, TOutput = TInput> {
    readonly input: TInput;
    readonly output: TOutput;
  }
  export type InferInput<TSchema extends StandardSchemaV1> = NonNullable<
    TSchema['~standard']['types']
  >['input'];
  export type InferOutput<TSchema extends StandardSchemaV1> = NonNullable<
    TSchema['~standard']['types']
  >['output'];
}

export type SchemaResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Validates synchronously; the message lists each issue as `path: message`. */
export function validateSync<T>(schema: StandardSchemaV1<unknown, T>, value: unknown): SchemaResult<T> {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) {
    return { ok: false, message: 'the schema validates asynchronously; workflows need synchronous schemas' };
  }
  if (result.issues) return { ok: false, message: formatIssues(result.issues) };
  return { ok: true, value: result.value };
}

export function formatIssues(issues: ReadonlyArray<StandardSchemaV1.Issue>): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = (issue.path ?? []).map((seg) => String(typeof seg === 'object' ? seg.key : seg)).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
