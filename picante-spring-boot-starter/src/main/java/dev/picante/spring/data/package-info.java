/**
 * The application's own tables as picante inputs: Spring Data JDBC aggregate repositories annotated
 * {@link dev.picante.spring.data.PicanteInput @PicanteInput} are mirrored by
 * {@link dev.picante.spring.data.RepositoryInput repository inputs}, changed when the repository's
 * transactions commit and reconciled with their tables at startup.
 */
@NullMarked
package dev.picante.spring.data;

import org.jspecify.annotations.NullMarked;
