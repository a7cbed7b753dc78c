package dev.picante.internal;

/** A record of the database: an ingredient index and a key. */
record NodeKey(int ingredient, Object key) {
}
