/** Items kept per list of one span (messages, parts, tool calls, content log records); the first win. */
export const MAX_ITEMS_PER_SPAN = 1000;
