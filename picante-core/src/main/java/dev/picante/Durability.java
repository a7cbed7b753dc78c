package dev.picante;

/**
 * How rarely the slots of an input ingredient are expected to change (r[durability.levels]). Higher
 * durability lets the runtime skip revalidation of queries that read only durable inputs
 * (r[durability.revalidation-opt]); it never changes a result (r[durability.nonobservable]).
 */
public enum Durability {
    /** Changes often, e.g. the files a user is editing. The default. */
    LOW,
    /** Changes now and then, e.g. configuration. */
    MEDIUM,
    /** Changes rarely, e.g. libraries or reference data. Interned values count as {@code HIGH}. */
    HIGH
}
