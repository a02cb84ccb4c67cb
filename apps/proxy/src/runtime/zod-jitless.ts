/**
 * Has zod check objects by walking their shape instead of compiling a checker per object
 * schema (`new Function` at its first parse). The proxy parses its config once and the
 * controller's rare updates: compiled checkers would only be memory it keeps. Imported by
 * main.ts before any schema is built (zod reads the setting as each schema is built).
 */
import { z } from 'zod';

z.config({ jitless: true });
