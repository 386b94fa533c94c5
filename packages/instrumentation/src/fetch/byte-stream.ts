// Helpers for the pull-based byte streams that tap response bodies.

/** Close a byte stream; a pending BYOB read is then answered with `done` (respond(0), as the spec asks). */
export function closeByteStream(controller: ReadableByteStreamController): void {
  controller.close();
  controller.byobRequest?.respond(0);
}

/** Whether `chunk` spans its whole buffer (nothing else can be looking at that buffer through it). */
export function ownsBuffer(chunk: Uint8Array): boolean {
  return chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
}
