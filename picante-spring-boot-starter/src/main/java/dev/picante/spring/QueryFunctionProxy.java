package dev.picante.spring;

/**
 * Implemented by the subclasses the starter generates for beans with {@link QueryFunction} methods.
 * Not for application code.
 */
public interface QueryFunctionProxy {
}
