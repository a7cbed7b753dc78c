/**
 * The picante demo application: a Spring Boot web application built on the picante starter.
 */
@NullMarked
package dev.picante.demo;

import org.jspecify.annotations.NullMarked;
