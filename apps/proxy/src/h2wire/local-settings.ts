/**
 * What an h2wire end (the proxy's HTTP/2 sessions and the bench relay alike) advertises
 * and accepts: each stream's and the connection's receive windows, and the largest
 * decoded header list it takes.
 */

/** Each stream's receive window (our SETTINGS_INITIAL_WINDOW_SIZE). */
export const STREAM_WINDOW = 256 * 1024;
/** Our connection-level receive window. */
export const CONN_WINDOW = 1024 * 1024;
/** The largest decoded header list we take (SETTINGS_MAX_HEADER_LIST_SIZE). */
export const MAX_HEADER_LIST = 64 * 1024;
