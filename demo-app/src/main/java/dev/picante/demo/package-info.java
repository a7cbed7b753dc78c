/**
 * The picante demo application: a live documentation server on the picante starter. Markdown pages are inputs
 * ({@link dev.picante.demo.PageStore}, kept equal to a folder and written by the page API; or, with
 * {@code demo.docs.source=database}, rows of a table mirrored by a repository input, see
 * {@code dev.picante.demo.db}), every view of the site
 * is a query function ({@link dev.picante.demo.DocsQueries}), open tabs reload when their page changes
 * ({@link dev.picante.demo.LiveReload}), and {@code /status} shows what the last edit recomputed
 * ({@link dev.picante.demo.EditLog}).
 */
@NullMarked
package dev.picante.demo;

import org.jspecify.annotations.NullMarked;
