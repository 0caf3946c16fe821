namespace Loom.Nn.Optim;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter): before the Adam step, w *= 1 − lr·λ — except for
/// parameters flagged <see cref="Parameter.NoDecay"/> (biases, norm gains, anything of rank &lt; 2).
/// PyTorch's default λ is 0.01.
/// </summary>
public sealed class AdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, float learningRate = 1e-3f,
    float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0.01f)
    : Adam(parameters, learningRate, beta1, beta2, eps, weightDecay, decoupled: true);
