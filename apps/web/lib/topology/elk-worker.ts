/**
 * The ELK layout engine in a Web Worker, so that laying out a graph never blocks the
 * page: the stock elkjs worker script registers its message handler on load.
 */
import 'elkjs/lib/elk-worker.min.js';
