/** What `call` throws, or undefined when it returns: for asserting on refusals made at the call. */
export function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}
