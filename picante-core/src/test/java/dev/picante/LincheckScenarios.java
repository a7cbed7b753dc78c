package dev.picante;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.StressOptions;

/**
 * Hand-written Lincheck scenarios for the *LincheckTest classes, so that the model checker spends its
 * small budget on the interleavings that matter (a snapshot racing a batch, an intern racing an intern)
 * before its random ones. Built from plain reflection: Lincheck's scenario DSL wants Kotlin functions.
 */
final class LincheckScenarios {

    private LincheckScenarios() {
    }

    /** One call of the public operation {@code name} of {@code type} with {@code args}. */
    static Actor op(Class<?> type, String name, Object... args) {
        for (Method m : type.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                return new Actor(m, Arrays.asList(args), false, false, false, false, false);
            }
        }
        throw new IllegalArgumentException("no operation " + name + "/" + args.length + " in " + type.getName());
    }

    /** A scenario: {@code init} sequentially, then {@code threads} in parallel, then {@code post}. */
    static ExecutionScenario scenario(List<Actor> init, List<List<Actor>> threads, List<Actor> post) {
        return new ExecutionScenario(init, threads, post, null);
    }

    /**
     * The stress run the *LincheckTest classes share: random scenarios of two threads of three operations, one
     * operation before them and one after, 6 iterations of 100 invocations each, checked against {@code
     * specification}.
     */
    static void checkUnderStress(Class<?> operations, Class<?> specification) {
        new StressOptions()
                .threads(2)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(1)
                .iterations(6)
                .invocationsPerIteration(100)
                .sequentialSpecification(specification)
                .check(operations);
    }
}
