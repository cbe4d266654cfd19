// The PM's training losses, one function each (torch; private to
// reward_model/ — services never include this header).
//
// Shape legend: B batch elements, K responses in one ranking, T tokens,
// V vocabulary.
//  - Ranked (Bradley–Terry, Askell et al. 2021): −log σ(r_good − r_bad),
//    mean over pairs; with weights, Σ w·l / Σ w (preference strength).
//  - K-wise (InstructGPT): a batch element holds a ranking of K responses,
//    best first; the loss is the mean over its K·(K−1)/2 pairs of
//    −log σ(r_i − r_j) for i ranked above j, then the mean over elements.
//    All pairs of one ranking stay in one element, so the K forward passes
//    are shared and the pairs are not treated as independent samples.
//  - Binary discrimination (baseline): each response is classified on its
//    own, good → 1, bad → 0: softplus(−r_good) + softplus(r_bad), halved.
//  - Imitation (baseline): cross-entropy of the good response's tokens only.
// Every function returns a scalar tensor that keeps the graph.
#ifndef SHAMMIE_REWARD_MODEL_PM_LOSSES_H_
#define SHAMMIE_REWARD_MODEL_PM_LOSSES_H_

#include <torch/torch.h>

namespace shammie::reward_model {

// r_good, r_bad: (B). weights: (B) or undefined (all 1).
torch::Tensor RankedLoss(const torch::Tensor& r_good, const torch::Tensor& r_bad,
                         const torch::Tensor& weights = {});

// scores: (B, K), column 0 ranked best. valid: (B, K) bool or undefined:
// rankings shorter than K mark their padding false.
torch::Tensor KwiseLoss(const torch::Tensor& scores, const torch::Tensor& valid = {});

// r_good, r_bad: (B).
torch::Tensor BinaryDiscriminationLoss(const torch::Tensor& r_good, const torch::Tensor& r_bad);

// logits: (B, T, V) predicting targets (B, T); mask (B, T) is 1 on the good
// response's tokens, 0 on context and padding.
torch::Tensor ImitationLoss(const torch::Tensor& logits, const torch::Tensor& targets,
                            const torch::Tensor& mask);

// Preference strength 1..4 → weight: strength itself, normalised to mean 1
// in RankedLoss by Σw. (B) float.
torch::Tensor StrengthWeights(const std::vector<int>& strengths);

}  // namespace shammie::reward_model

#endif  // SHAMMIE_REWARD_MODEL_PM_LOSSES_H_
