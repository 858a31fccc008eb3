"""The article's Keras example (section 4), with only its two import lines changed.

Run: python examples/artificial_01_article_xor.py

Expect it to fail on most runs: 2 ReLU units and Adam at 0.001 for 1000 epochs solve XOR on
about 13 % of random initialisations (README, measured over 100 seeds). When it fails, a warning
names the dead ReLU units that caused it. examples/artificial_02_xor_reliable.py shows a recipe
that works.
"""

import numpy as np
from artificial.models import Sequential   # was: from tensorflow.keras.models import Sequential
from artificial.layers import Dense        # was: from tensorflow.keras.layers import Dense

# 数据集
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
y = np.array([[0], [1], [1], [0]])

# 模型
model = Sequential()
model.add(Dense(2, input_dim=2, activation='relu'))
model.add(Dense(1, activation='sigmoid'))

# 编译
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])

# 训练
model.fit(X, y, epochs=1000, verbose=0)

# 预测
predictions = model.predict(X)
print(predictions)
