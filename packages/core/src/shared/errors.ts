/** A malformed request: the caller sent something we cannot act on. `problem` names the field. */
export class BadRequestError extends Error {
  override name = "BadRequestError";
  constructor(readonly problem: string) {
    super(problem);
  }
}

/** The request did not carry the webhook key its route needs; `rule` says how (`no key`, `wrong key`). */
export class UnauthorizedError extends Error {
  override name = "UnauthorizedError";
  constructor(readonly rule: string = "wrong key") {
    super("unauthorized");
  }
}

/** The request body is larger than the product accepts. */
export class PayloadTooLargeError extends Error {
  override name = "PayloadTooLargeError";
  constructor(readonly limitBytes: number) {
    super(`body is larger than ${limitBytes} bytes`);
  }
}

/** The chat store could not be reached or refused the request (throttled, down). */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}

/** The chat is unknown (or its data has expired). */
export class NotFoundError extends Error {
  override name = "NotFoundError";
  constructor(readonly what: string) {
    super(`${what} not found`);
  }
}
